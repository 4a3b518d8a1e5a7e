//! Cell parameter tables in CSV (the form HPPC test data comes in).
//!
//! Header (case-insensitive, any column order, extra columns ignored):
//! `soc` (fraction 0…1) or `soc_pct`; `temp_c` (or `temperature`, `temperature_c`);
//! `ocv_v` (or `ocv`); `r0_ohm`, `r1_ohm`, `r2_ohm` (or `r0`, `r1`, `r2`);
//! `c1_f`, `c2_f` (or `c1`, `c2`). Lines starting with `#` and blank lines are
//! skipped.

use evtwin_sim::cell::{CellRow, CellTable, CellTableError};

use crate::source::{FileError, Source};

const COLUMNS: [(&str, &[&str]); 8] = [
    ("soc", &["soc", "soc_pct"]),
    ("temp_c", &["temp_c", "temperature", "temperature_c"]),
    ("ocv_v", &["ocv_v", "ocv"]),
    ("r0_ohm", &["r0_ohm", "r0"]),
    ("r1_ohm", &["r1_ohm", "r1"]),
    ("c1_f", &["c1_f", "c1"]),
    ("r2_ohm", &["r2_ohm", "r2"]),
    ("c2_f", &["c2_f", "c2"]),
];

fn fields(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut col = 1;
    for f in line.split(',') {
        let lead = f.len() - f.trim_start().len();
        out.push((col + f[..lead].chars().count(), f.trim()));
        col += f.chars().count() + 1;
    }
    out
}

/// Parses and validates a table; errors point at the offending line and column.
pub fn parse(src: &Source) -> Result<CellTable, FileError> {
    let text = src.text.strip_prefix('\u{feff}').unwrap_or(&src.text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(k, l)| (k + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((head_no, head)) = lines.next() else {
        return Err(FileError::at(src, 1, 1, "the table is empty"));
    };
    let names: Vec<String> = fields(head)
        .iter()
        .map(|(_, n)| n.to_ascii_lowercase())
        .collect();
    let mut index = [0usize; 8];
    let mut soc_percent = false;
    for (k, (canonical, aliases)) in COLUMNS.iter().enumerate() {
        let found = names.iter().position(|n| aliases.contains(&n.as_str()));
        let Some(col) = found else {
            let msg = format!(
                "the header has no `{canonical}` column (expected soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f,r2_ohm,c2_f)"
            );
            return Err(FileError::at(src, head_no, 1, msg));
        };
        index[k] = col;
        if k == 0 {
            soc_percent = names[col] == "soc_pct";
        }
    }
    let mut rows = Vec::new();
    let mut line_of = Vec::new();
    for (line_no, line) in lines {
        let f = fields(line);
        let mut v = [0.0; 8];
        for (k, &col) in index.iter().enumerate() {
            let Some(&(column, raw)) = f.get(col) else {
                let msg = format!("missing the `{}` field", COLUMNS[k].0);
                return Err(FileError::at(src, line_no, line.chars().count() + 1, msg));
            };
            v[k] = raw.parse().map_err(|_| {
                let msg = format!("`{raw}` is not a number ({})", COLUMNS[k].0);
                FileError::at(src, line_no, column, msg)
            })?;
        }
        if soc_percent {
            v[0] /= 100.0;
        }
        rows.push(CellRow {
            soc: v[0],
            temp_c: v[1],
            ocv_v: v[2],
            r0_ohm: v[3],
            r1_ohm: v[4],
            c1_f: v[5],
            r2_ohm: v[6],
            c2_f: v[7],
        });
        line_of.push(line_no);
    }
    CellTable::from_rows(&rows).map_err(|e| {
        let line = match &e {
            CellTableError::Duplicate { row, .. } | CellTableError::BadValue { row, .. } => {
                line_of[*row]
            }
            _ => head_no,
        };
        FileError::at(src, line, 1, e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(text: &str) -> Source {
        Source {
            name: "cell.csv".into(),
            text: text.into(),
        }
    }

    #[test]
    fn reads_percent_soc_and_any_column_order() {
        let t = "# comment\nTemperature,SOC_pct,OCV,R0,R1,C1,R2,C2\n25,0,3.0,0.01,0.01,1000,0.01,1e5\n25,100,4.0,0.01,0.01,1000,0.01,1e5\n";
        let table = parse(&src(t)).unwrap();
        assert!((table.params(0.5, 25.0).ocv_v - 3.5).abs() < 1e-12);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let t = "soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f,r2_ohm,c2_f\n0,25,3,0.01,0.01,1000,0.01,1e5\n1,25,4,abc,0.01,1000,0.01,1e5\n";
        let e = parse(&src(t)).unwrap_err();
        assert_eq!((e.line, e.column), (3, 8));
        assert!(e.message.contains("`abc` is not a number (r0_ohm)"));
        let t = "soc,temp_c,ocv_v,r0_ohm,r1_ohm,c1_f,r2_ohm,c2_f\n0,25,3,0.01,0.01,1000,0.01,1e5\n1,25,4,-0.01,0.01,1000,0.01,1e5\n";
        let e = parse(&src(t)).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("must be positive"), "{}", e.message);
        let e = parse(&src("soc,ocv\n")).unwrap_err();
        assert!(e.message.contains("no `temp_c` column"));
    }

    #[test]
    fn shipped_tables_parse() {
        for name in ["nmc-graphite.csv", "sulfide.csv"] {
            let (s, _) = crate::assets::load(
                crate::assets::Kind::CellTable,
                name,
                &crate::assets::Origin::Builtin,
            )
            .unwrap();
            parse(&s).unwrap();
        }
    }
}
