//! The bad-input corpus (`tests/bad/`, issue 13): every case in
//! `tests/bad/EXPECTED` through the `evtwin` binary, with its exit code and a
//! line of its output (`file:line:col: message`); and a FIFO, which cannot
//! live in the repository, for every loader that takes a path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

/// One case of the manifest.
struct Case {
    line: usize,
    exit: i32,
    args: Vec<String>,
    expect: String,
}

fn cases() -> Vec<Case> {
    let text =
        std::fs::read_to_string(common::root().join("tests/bad/EXPECTED")).expect("manifest");
    let mut out = Vec::new();
    for (k, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.splitn(3, " | ").collect();
        let [exit, args, expect] = parts.as_slice() else {
            panic!("EXPECTED:{}: want `exit | args | output`", k + 1);
        };
        out.push(Case {
            line: k + 1,
            exit: exit.trim().parse().expect("an exit code"),
            args: args.split_whitespace().map(str::to_owned).collect(),
            expect: (*expect).to_owned(),
        });
    }
    out
}

#[test]
fn every_case_of_the_corpus_gives_its_exit_code_and_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = cases();
    assert!(cases.len() >= 35, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        // OUT.* names an output in a scratch folder (shown as OUT.* in messages).
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| {
                if a.starts_with("OUT.") {
                    dir.path().join(a).display().to_string()
                } else {
                    a.clone()
                }
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = common::run(&args);
        let text = format!("{}{}", common::stdout(&out), common::stderr(&out))
            .replace(&format!("{}/", dir.path().display()), "");
        let ok =
            out.status.code() == Some(case.exit) && text.lines().any(|l| l.contains(&case.expect));
        if !ok {
            failures.push(format!(
                "EXPECTED:{}: evtwin {}: exit {:?}, want {}; want a line with\n  {}\ngot:\n{text}",
                case.line,
                case.args.join(" "),
                out.status.code(),
                case.exit,
                case.expect
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_corpus_file_is_used() {
    let cases = cases();
    let used = |name: &str| {
        cases
            .iter()
            .any(|c| c.args.iter().any(|a| a.ends_with(name)))
    };
    let bad = common::root().join("tests/bad");
    for entry in std::fs::read_dir(&bad).expect("tests/bad") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let helper = name == "EXPECTED"
            || name == "vehicles"
            || name.starts_with("bad-")
            || name.starts_with("bent-")
            || name.starts_with("ok.");
        assert!(
            helper || used(&name),
            "tests/bad/{name} is in no case of EXPECTED"
        );
    }
}

#[test]
fn a_fifo_or_a_device_never_blocks_a_loader() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = |name: &str| {
        let p = dir.path().join(name);
        let made = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .expect("mkfifo");
        assert!(made.success());
        p.display().to_string()
    };
    let (toml, dbc, log) = (fifo("s.toml"), fifo("n.dbc"), fifo("f.log"));
    let runs: [&[&str]; 4] = [
        &["validate", &toml],
        &["dbc", "check", &dbc],
        &["dbc", "decode", "tests/bad/ok.dbc", &log],
        &["log", "convert", &log, "/dev/null.asc"],
    ];
    for args in runs {
        let out = common::run(args);
        let err = common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("is a FIFO, not a regular file (only regular files are read)"),
            "{args:?}: {err}"
        );
    }
}
