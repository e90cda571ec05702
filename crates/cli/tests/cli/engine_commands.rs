//! The engine commands: deadlines, holidays, protocols and plans.

use std::path::Path;

use crate::{escalate, fails, ok, within_a_minute};

#[test]
fn deadline_in_working_days_over_christmas() {
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-12-24",
            "--working-days",
            "5"
        ]),
        "2027-01-05\n"
    );
}

#[test]
fn deadline_in_hours_ignores_holidays() {
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "scotland",
            "--from",
            "2026-12-24T15:30",
            "--hours",
            "24"
        ]),
        "2026-12-25T15:30\n"
    );
}

#[test]
fn deadline_with_a_closure_day_and_same_working_day() {
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-11-23",
            "--working-days",
            "1",
            "--closure-day",
            "2026-11-24"
        ]),
        "2026-11-25\n"
    );
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-12-25",
            "--same-working-day"
        ]),
        "2026-12-29\n"
    );
}

#[test]
fn holidays_one_per_line_with_a_tab() {
    let out = ok(&[
        "holidays",
        "--calendar",
        "northern-ireland",
        "--year",
        "2026",
    ]);
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[1], "2026-03-17\tSt Patrick's Day");
    assert_eq!(
        lines[6],
        "2026-07-13\tBattle of the Boyne (Orangemen's Day) (substitute day)"
    );
    assert!(lines.iter().all(|l| l.split('\t').count() == 2));
}

#[test]
fn protocols_lists_ids_and_names() {
    let out = ok(&["protocols"]);
    let ids: Vec<_> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    let core = escalate_core::builtin_protocols().unwrap();
    let core_ids: Vec<&str> = core.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, core_ids, "the core's protocols, in its order");
    assert!(out.lines().all(|l| l.split('\t').count() == 2));
}

#[test]
fn protocol_show_in_text_and_json() {
    let text = ok(&["protocol", "show", "doncaster"]);
    assert!(text.starts_with("doncaster\t"));
    assert!(text.contains("Stage 0 (informal): Informal Stage – Professional Discussion"));
    assert!(text.contains("Timescale: 5 working days from receipt"));
    assert!(text.contains("Notify form-to-business-unit: to DSCP Business Unit — on stage-start, within same working day"));
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["protocol", "show", "doncaster", "--json"])).unwrap();
    assert_eq!(json["id"], "doncaster");
    assert_eq!(json["stages"].as_array().unwrap().len(), 5);
    assert_eq!(json["stages"][1]["timescale"]["within"], "5 working days");
    let sg = ok(&["protocol", "show", "south-gloucestershire"]);
    assert!(sg.contains("  Police: Staff member /Police Officer and Detective Sergeant"));
}

#[test]
fn plan_prints_one_line_per_stage() {
    assert_eq!(
        ok(&["plan", "--protocol", "doncaster", "--opened", "2026-11-23"]),
        "1\t2026-11-30\tStage 1 - Formal Dispute\n\
         2\t2026-12-07\tStage 2 – Escalate to Line Manager\n\
         3\t2026-12-14\tStage 3 – Escalate to Senior Managers\n\
         4\t2026-12-21\tStage 4 – Escalate to Doncaster Safeguarding Children Partnership Manager\n"
    );
    let sg: Vec<String> = ok(&[
        "plan",
        "--protocol",
        "south-gloucestershire",
        "--opened",
        "2026-11-23",
    ])
    .lines()
    .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join(" "))
    .collect();
    assert_eq!(
        sg,
        [
            "1 2026-11-24",
            "2 2026-11-25",
            "3 2026-11-26",
            "4 2026-11-30"
        ]
    );
    let four = ok(&["plan", "--protocol", "four-stage", "--opened", "2026-11-23"]);
    assert!(four.contains("2\twithout delay\tStage Two"));
    assert!(four.contains("3\tno limit\tStage Three"));
}

#[test]
fn plan_as_json() {
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "plan",
        "--protocol",
        "london",
        "--opened",
        "2026-11-23",
        "--json",
    ]))
    .unwrap();
    assert_eq!(json[0]["stage"], 1);
    assert_eq!(json[0]["due"]["kind"], "date");
    assert_eq!(json[0]["due"]["at"], "2026-11-30");
    assert_eq!(json[2]["due"]["kind"], "without-delay");
}

#[test]
fn plan_from_a_users_protocol_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ours.toml");
    let src = include_str!("../../../../assets/protocols/doncaster.toml")
        .replace("id = \"doncaster\"", "id = \"ours\"");
    std::fs::write(&path, src).unwrap();
    let p = path.to_str().unwrap();
    assert_eq!(ok(&["protocol", "check", p]), "ok\n");
    assert!(ok(&["plan", "--protocol", p, "--opened", "2026-11-23"]).starts_with("1\t2026-11-30\t"));
}

#[test]
fn protocol_check_reports_file_line_field_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let src = include_str!("../../../../assets/protocols/doncaster.toml").replacen(
        "within = \"5 working days\"",
        "within = \"5 days\"",
        1,
    );
    let line = src.lines().position(|l| l.contains("\"5 days\"")).unwrap() + 1;
    std::fs::write(&path, src).unwrap();
    let p = path.to_str().unwrap();
    let (code, err) = fails(&["protocol", "check", p]);
    assert_eq!(code, 2);
    // Calendar days are format 2: a format 1 file is told how to use them, or what to
    // write instead.
    assert_eq!(
        err.trim_end(),
        format!("{p}:{line}: stages[1].timescale.within: \"5 calendar days\" is a format 2 timescale: add `format = 2` at the top of the file, or count working days (\"5 working days\")")
    );
}

#[test]
fn protocol_check_reports_semantic_errors_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let src = include_str!("../../../../assets/protocols/south-gloucestershire.toml")
        .replace("number = 3", "number = 7")
        .replace("sector = \"police\"", "sector = \"fire\"");
    std::fs::write(&path, &src).unwrap();
    let (code, err) = fails(&["protocol", "check", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    // The first problem the parser meets stops it: the unknown sector.
    assert!(
        err.contains("sectors[5].sector: unknown variant `fire`"),
        "{err}"
    );
    let src = src.replace("sector = \"fire\"", "sector = \"police\"");
    std::fs::write(&path, &src).unwrap();
    let (_, err) = fails(&["protocol", "check", path.to_str().unwrap()]);
    assert!(
        err.contains("stages[2].number: stage numbers must run on by one: expected 3, found 7"),
        "{err}"
    );
    assert!(
        err.contains("sectors[0].who.3: '3' is not a formal stage"),
        "{err}"
    );
}

#[test]
fn bad_input_names_the_option_and_the_fix() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "deadline",
                "--calendar",
                "wales",
                "--from",
                "2026-01-01",
                "--working-days",
                "1",
            ],
            "--calendar: unknown calendar 'wales'",
        ),
        (
            &[
                "deadline",
                "--calendar",
                "scotland",
                "--from",
                "2026-13-01",
                "--working-days",
                "1",
            ],
            "--from: '2026-13-01' is not a date or time: use YYYY-MM-DD",
        ),
        (
            &["deadline", "--calendar", "scotland", "--from", "2026-01-01"],
            "give one of --working-days N, --hours N or --same-working-day",
        ),
        (
            &[
                "deadline",
                "--calendar",
                "scotland",
                "--from",
                "2100-12-30",
                "--working-days",
                "10",
            ],
            "outside the calendar's range",
        ),
        (
            &["holidays", "--calendar", "scotland", "--year", "2101"],
            "--year: year 2101 is outside the calendar's range: use a year from 1990 to 2100",
        ),
        (
            &["holidays", "--calendar", "scotland", "--year", "next"],
            "--year: 'next' is not a year",
        ),
        (
            &["plan", "--protocol", "leeds", "--opened", "2026-11-23"],
            "--protocol: no shipped protocol is called 'leeds': use one of",
        ),
        (
            &["plan", "--protocol", "doncaster", "--opened", "tomorrow"],
            "--opened: 'tomorrow' is not a date or time",
        ),
        (
            &[
                "plan",
                "--protocol",
                "doncaster",
                "--opened",
                "2026-11-23",
                "--closure-day",
                "24/11/2026",
            ],
            "--closure-day: '24/11/2026' is not a date: use YYYY-MM-DD",
        ),
        (
            &["protocol", "check", "/nonexistent/x.toml"],
            "/nonexistent/x.toml: No such file",
        ),
    ];
    for (args, expected) in cases {
        let (code, err) = fails(args);
        assert!(
            err.contains(expected),
            "escalate {args:?}: expected '{expected}' in: {err}"
        );
        assert!(code == 1 || code == 2, "{code}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn every_command_has_help() {
    for args in [
        &["--help"][..],
        &["deadline", "--help"],
        &["holidays", "--help"],
        &["calendars", "--help"],
        &["protocols", "--help"],
        &["protocol", "--help"],
        &["protocol", "show", "--help"],
        &["protocol", "check", "--help"],
        &["protocol", "new", "--help"],
        &["calendar", "--help"],
        &["calendar", "check", "--help"],
        &["plan", "--help"],
        &["init", "--help"],
        &["case", "--help"],
        &["case", "new", "--help"],
        &["case", "list", "--help"],
        &["case", "show", "--help"],
        &["case", "chronology", "--help"],
        &["case", "escalate", "--help"],
        &["case", "resolve", "--help"],
        &["case", "withdraw", "--help"],
        &["case", "redirect", "--help"],
        &["case", "notified", "--help"],
        &["case", "shorten", "--help"],
        &["stage", "record", "--help"],
        &["audit", "verify", "--help"],
        &["backup", "--help"],
        &["restore", "--help"],
        &["passphrase", "change", "--help"],
        &["key", "rotate", "--help"],
        &["report", "--help"],
        &["export", "--help"],
        &["export", "open", "--help"],
        &["export", "keygen", "--help"],
    ] {
        let out = ok(args);
        assert!(out.contains("Usage: escalate"), "{args:?}: {out}");
    }
}

#[test]
fn the_shipped_files_check_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/protocols");
    for id in [
        "western-bay",
        "london",
        "four-stage",
        "doncaster",
        "south-gloucestershire",
    ] {
        let f = dir.join(format!("{id}.toml"));
        assert_eq!(ok(&["protocol", "check", f.to_str().unwrap()]), "ok\n");
    }
}

fn no_panic(err: &str) {
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn extreme_counts_exit_2_naming_the_option_and_its_range() {
    let deadline = |from: &str, how: &[&str]| {
        let mut args = vec![
            "deadline",
            "--calendar",
            "england-and-wales",
            "--from",
            from,
        ];
        args.extend(how);
        fails(&args)
    };
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "2026-06-15",
            &["--hours", "4294967295"],
            "escalate: --hours: give a number of hours from 1 to 8784 (a year)",
        ),
        (
            "2026-06-15",
            &["--hours", "0"],
            "escalate: --hours: give a number of hours from 1 to 8784",
        ),
        (
            "2026-06-15",
            &["--hours", "8785"],
            "escalate: --hours: give a number of hours from 1 to 8784",
        ),
        (
            "2026-06-15",
            &["--working-days", "4294967295"],
            "escalate: --working-days: 4294967295 working days after 2026-06-15 is outside the calendar's range, which ends on 2100-12-31: give at most 18854 working days from that date",
        ),
        (
            "2026-06-15",
            &["--working-days", "18855"],
            "escalate: --working-days: 18855 working days after 2026-06-15",
        ),
        (
            "2100-12-31T12:00",
            &["--hours", "8784"],
            "escalate: --hours: 8784 hours after 2100-12-31T12:00 is outside the calendar's range, which ends on 2100-12-31: give at most 11 hours from that time",
        ),
        (
            "2100-12-31",
            &["--working-days", "1"],
            "escalate: --working-days: 1 working day after 2100-12-31 is outside the calendar's range, which ends on 2100-12-31: give at most 0 working days",
        ),
        (
            "1989-12-29",
            &["--working-days", "4294967295"],
            "escalate: --from: 1989-12-29 is outside the calendar's range: use a date from 1990-01-01 to 2100-12-31",
        ),
        (
            "+262142-12-31T23:59",
            &["--hours", "1"],
            "escalate: --from: '+262142-12-31T23:59' is not a date or time",
        ),
        (
            "+12345-01-01",
            &["--same-working-day"],
            "escalate: --from: '+12345-01-01' is not a date or time",
        ),
        (
            "2026-06-15",
            &["--working-days", "4294967296"],
            "--working-days <N>",
        ),
        ("2026-06-15", &["--hours", "-1"], "--hours <N>"),
    ];
    for (from, how, expected) in cases {
        let (code, err) = deadline(from, how);
        assert_eq!(code, 2, "{from} {how:?}: {err}");
        assert!(
            err.contains(expected),
            "{from} {how:?}: expected '{expected}' in {err}"
        );
        no_panic(&err);
    }
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-06-15",
            "--working-days",
            "18854"
        ]),
        "2100-12-31\n"
    );
    // Other commands that take a moment refuse a five-digit year, or one the calendar
    // does not cover, too.
    for (args, expected) in [
        (
            &["plan", "--protocol", "london", "--opened", "+99999-01-01"][..],
            "escalate: --opened: '+99999-01-01' is not a date or time",
        ),
        (
            &["plan", "--protocol", "london", "--opened", "9999-12-31T23:59"],
            "escalate: --opened: 9999-12-31 is outside the calendar's range: use a date from 1990-01-01 to 2100-12-31",
        ),
        (
            &["plan", "--protocol", "london", "--opened", "2100-12-31"],
            "escalate: --opened: a stage opened on 2100-12-31 would fall due after the calendar's last day, 2100-12-31: give an earlier date",
        ),
        (
            &["holidays", "--calendar", "scotland", "--year", "4294967295"],
            "escalate: --year: '4294967295' is not a year",
        ),
        (
            &["holidays", "--calendar", "scotland", "--year", "-2147483648"],
            "escalate: --year: year -2147483648 is outside the calendar's range",
        ),
        (
        &[
            "deadline",
            "--calendar",
            "scotland",
            "--from",
            "2026-01-01",
            "--working-days",
            "1",
            "--closure-day",
            "+99999-01-01",
        ][..],
            "escalate: --closure-day: '+99999-01-01' is not a date",
        ),
    ] {
        let (code, err) = fails(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with(expected), "{args:?}: expected '{expected}' in {err}");
        no_panic(&err);
    }
}

#[test]
fn working_days_never_print_a_date_before_the_start() {
    for from in [
        "1990-01-01",
        "2026-06-15",
        "2099-12-31",
        "2100-12-30",
        "2100-12-31",
    ] {
        for n in [
            "0",
            "1",
            "5",
            "366",
            "18854",
            "40000",
            "2147483648",
            "4294967294",
            "4294967295",
        ] {
            let out = escalate(&[
                "deadline",
                "--calendar",
                "scotland",
                "--from",
                from,
                "--working-days",
                n,
            ]);
            let err = String::from_utf8_lossy(&out.stderr);
            no_panic(&err);
            if out.status.success() {
                let due = String::from_utf8(out.stdout).unwrap();
                assert!(
                    due.trim_end() >= from,
                    "{n} working days after {from}: {due}"
                );
            } else {
                assert_eq!(out.status.code(), Some(2), "{err}");
                assert!(err.starts_with("escalate: --working-days: "), "{err}");
            }
        }
    }
}

#[test]
fn oversized_and_special_protocol_files_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    // 2 MiB: a valid protocol padded with a comment, so only the size can refuse it.
    let src = include_str!("../../../../assets/protocols/london.toml");
    std::fs::write(&big, format!("{src}\n#{}\n", "x".repeat(2 * 1024 * 1024))).unwrap();
    let big = big.to_str().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    for file in [big, "/dev/zero", fifo] {
        for args in [
            &["protocol", "check", file][..],
            &["protocol", "show", file],
            &["plan", "--protocol", file, "--opened", "2026-11-23"],
        ] {
            let out = within_a_minute(args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(out.stdout.is_empty());
            assert!(err.starts_with(&format!("escalate: {file}: ")), "{err}");
            assert!(err.contains("at most 1 MiB (1048576 bytes)"), "{err}");
            no_panic(&err);
        }
    }
    let (_, err) = fails(&["protocol", "check", big]);
    assert!(
        err.contains(&format!(
            "is {} bytes",
            std::fs::metadata(big).unwrap().len()
        )),
        "{err}"
    );
    let (_, err) = fails(&["protocol", "check", "/dev/zero"]);
    assert!(err.contains("is not a regular file"), "{err}");
    // Not UTF-8: refused by name, not read as garbage.
    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"name = \"Caf\xe9\"\n").unwrap();
    let (code, err) = fails(&["protocol", "check", latin1.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("is not UTF-8 text (byte 11 is not)"), "{err}");
}

#[test]
fn a_file_full_of_problems_lists_the_first_hundred() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let src = include_str!("../../../../assets/protocols/doncaster.toml");
    let at = src.find("principles = [").unwrap() + "principles = [".len();
    let empties = (1024 * 1024 - src.len() - 1) / 4;
    let bad = format!(
        "{}\n{}{}",
        &src[..at],
        "\"\",\n".repeat(empties),
        &src[at..]
    );
    assert!(bad.len() <= 1024 * 1024);
    std::fs::write(&path, &bad).unwrap();
    let p = path.to_str().unwrap();
    let (code, err) = fails(&["protocol", "check", p]);
    assert_eq!(code, 2);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 101, "{}", &err[..err.len().min(2000)]);
    assert_eq!(
        lines[0],
        format!("{p}:14: principles[0]: must not be empty: give the protocol's words")
    );
    assert_eq!(
        lines[100],
        format!(
            "{p}: and {} more problems not listed: fix those above and check again",
            empties - 100
        )
    );
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/protocols")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_real_protocol_fixtures_check_clean() {
    for name in [
        "west-yorkshire.toml",
        "iro-handbook-style.toml",
        "south-ayrshire.toml",
        "lincolnshire.toml",
        "darlington.toml",
    ] {
        assert_eq!(ok(&["protocol", "check", &fixture(name)]), "ok\n", "{name}");
    }
}

#[test]
fn deadline_in_calendar_days_does_not_roll_forward() {
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-12-20",
            "--days",
            "28"
        ]),
        "2027-01-17\n"
    );
    // Christmas Day itself, a bank holiday, is a calendar day like any other.
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "scotland",
            "--from",
            "2026-12-24",
            "--days",
            "1"
        ]),
        "2026-12-25\n"
    );
    let (code, err) = fails(&[
        "deadline",
        "--calendar",
        "scotland",
        "--from",
        "2100-12-20",
        "--days",
        "28",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        "escalate: --days: 28 days after 2100-12-20 is outside the calendar's range, which ends on 2100-12-31: give at most 11 days from that date"
    );
    let (code, err) = fails(&[
        "deadline",
        "--calendar",
        "scotland",
        "--from",
        "2026-12-20",
        "--days",
        "-3",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--days"), "{err}");
    let (_, err) = fails(&[
        "deadline",
        "--calendar",
        "scotland",
        "--from",
        "2026-12-20",
        "--days",
        "3",
        "--hours",
        "3",
    ]);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn scotlands_extra_bank_holiday_of_15_june_2026() {
    let out = ok(&["holidays", "--calendar", "scotland", "--year", "2026"]);
    assert!(
        out.contains("2026-06-15\tExtra bank holiday (FIFA World Cup)\n"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 10);
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "scotland",
            "--from",
            "2026-06-11",
            "--working-days",
            "2"
        ]),
        "2026-06-16\n"
    );
    assert_eq!(
        ok(&[
            "deadline",
            "--calendar",
            "england-and-wales",
            "--from",
            "2026-06-11",
            "--working-days",
            "2"
        ]),
        "2026-06-15\n"
    );
    let ew = ok(&[
        "holidays",
        "--calendar",
        "england-and-wales",
        "--year",
        "2026",
    ]);
    assert!(!ew.contains("2026-06-15"), "{ew}");
}

#[test]
fn holidays_say_how_far_ahead_the_data_is_confirmed() {
    let run = |now: &str, year: &str| {
        let out = escalate(&[
            "holidays",
            "--calendar",
            "northern-ireland",
            "--year",
            year,
            "--now",
            now,
        ]);
        assert!(out.status.success());
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (out, err) = run("2026-11-23", "2026");
    assert_eq!(out.lines().count(), 10, "the list alone on stdout");
    assert_eq!(
        err,
        "escalate: note: northern-ireland bank holidays are confirmed by official data up to 2027-12-31\n"
    );
    // From 2027 the next twelve months reach past the official data: a gentle warning.
    let (_, err) = run("2027-06-01", "2027");
    assert!(err.contains("escalate: warning: official northern-ireland bank-holiday data ends on 2027-12-31, within the next 12 months from 2027-06-01"), "{err}");
    assert!(
        err.contains("https://www.gov.uk/bank-holidays.json"),
        "{err}"
    );
    let (_, err) = run("2026-11-23", "2031");
    assert!(
        err.contains("2031 is projected from the usual rules"),
        "{err}"
    );
    let (code, err) = fails(&[
        "holidays",
        "--calendar",
        "scotland",
        "--year",
        "2026",
        "--now",
        "soon",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--now: 'soon' is not a date or time"), "{err}");
}

/// GOV.UK's format for the given days, one division.
fn govuk(division: &str, days: &[(&str, &str)]) -> String {
    let events: Vec<String> = days
        .iter()
        .map(|(date, title)| {
            format!("      {{\"title\": \"{title}\", \"date\": \"{date}\", \"notes\": \"\", \"bunting\": true}}")
        })
        .collect();
    format!(
        "{{\n  \"{division}\": {{\n    \"division\": \"{division}\",\n    \"events\": [\n{}\n    ]\n  }}\n}}\n",
        events.join(",\n")
    )
}

#[test]
fn calendar_check_prints_what_a_file_would_change() {
    let dir = tempfile::tempdir().unwrap();
    // Scotland's 2028 as the rules project it, plus a day proclaimed for it.
    let mut days: Vec<(String, String)> =
        ok(&["holidays", "--calendar", "scotland", "--year", "2028"])
            .lines()
            .map(|l| {
                let (d, n) = l.split_once('\t').unwrap();
                (d.to_owned(), n.to_owned())
            })
            .collect();
    days.push(("2028-06-19".to_owned(), "A proclaimed day".to_owned()));
    let borrowed: Vec<(&str, &str)> = days.iter().map(|(d, n)| (d.as_str(), n.as_str())).collect();
    let path = dir.path().join("bank-holidays.json");
    std::fs::write(&path, govuk("scotland", &borrowed)).unwrap();
    assert_eq!(
        ok(&["calendar", "check", path.to_str().unwrap()]),
        "scotland\t2028\t1 added, 0 removed\n\
         scotland\tadded\t2028-06-19\tA proclaimed day\n\
         scotland\tconfirmed to\t2028-12-31\n"
    );
    // The shipped list itself changes nothing.
    let shipped =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/calendars/bank-holidays.json");
    let out = ok(&["calendar", "check", shipped.to_str().unwrap()]);
    assert!(out.contains("scotland\t2018-2027\tno change\n"), "{out}");

    // A malformed file names its line and field and exits 2.
    let bad = govuk("scotland", &borrowed).replace("\"2028-06-19\"", "\"19/06/2028\"");
    let line = bad.lines().position(|l| l.contains("19/06/2028")).unwrap() + 1;
    std::fs::write(&path, &bad).unwrap();
    let p = path.to_str().unwrap();
    let (code, err) = fails(&["calendar", "check", p]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        format!(
            "{p}:{line}: scotland.events[{}].date: is not a date: use YYYY-MM-DD, e.g. 2026-06-15",
            days.len() - 1
        )
    );
    let (code, err) = fails(&["calendar", "check", "/dev/zero"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a regular file"), "{err}");
}

#[test]
fn plan_prints_a_line_per_limit_after_the_stages() {
    let wy = fixture("west-yorkshire.toml");
    assert_eq!(
        ok(&["plan", "--protocol", &wy, "--opened", "2026-11-23"]),
        "1\t2026-11-30\tStep 1\n\
         2\t2026-11-30\tStep 2\n\
         3\t2026-11-30\tStep 3\n\
         4\t2026-11-30\tStep 4\n\
         5\t2026-11-30\tStep 5\n\
         6\t2026-12-18\tStep 6\n\
         limit\t2026-11-30\tSteps 1-5 in the process should not exceed 5 working days.\n\
         route\tstandard\tProcess of Resolving Professional Disagreements (section 3)\n"
    );
    assert_eq!(
        ok(&[
            "plan",
            "--protocol",
            &wy,
            "--opened",
            "2026-11-23T15:30",
            "--route",
            "immediate"
        ]),
        "1\t2026-11-24T15:30\tImmediate / 24 hour Escalation\n\
         route\timmediate\tImmediate / 24 hour Escalation (section 4)\n"
    );
    assert_eq!(
        ok(&["plan", "--protocol", &fixture("iro-handbook-style.toml"), "--opened", "2026-11-23"]),
        "1\t2026-11-30\tStage 1\n\
         2\t2026-12-07\tStage 2\n\
         3\t2026-12-14\tStage 3\n\
         4\tno limit\tStage 4\n\
         limit\t2026-12-21\tThe formal dispute resolution process within each local authority should have timescales in total of no more than 20 working days.\n"
    );
    let sa = ok(&[
        "plan",
        "--protocol",
        &fixture("south-ayrshire.toml"),
        "--opened",
        "2026-12-20",
    ]);
    assert!(
        sa.contains("2\t2027-01-17\tResponse of the head of service\n"),
        "{sa}"
    );
    let (code, err) = fails(&[
        "plan",
        "--protocol",
        &wy,
        "--opened",
        "2026-11-23",
        "--route",
        "fast",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim_end(),
        "escalate: --route: 'fast' is not a route of protocol 'west-yorkshire': use one of standard, immediate"
    );
    // A protocol without routes or limits prints exactly what it did.
    assert!(!ok(&["plan", "--protocol", "doncaster", "--opened", "2026-11-23"]).contains("route"));

    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "plan",
        "--protocol",
        &wy,
        "--opened",
        "2026-11-23",
        "--json",
    ]))
    .unwrap();
    assert_eq!(json[0]["stage"], 1);
    assert_eq!(json[5]["due"]["at"], "2026-12-18");
    assert_eq!(json[6]["limit"], "steps-1-5");
    assert_eq!(json[6]["due"]["at"], "2026-11-30");
    assert_eq!(json[6]["stages"], serde_json::json!([1, 5]));
    assert_eq!(json[7]["route"], "standard");
}

#[test]
fn protocol_new_writes_a_starter_that_checks_clean() {
    let text = ok(&["protocol", "new"]);
    assert!(
        text.starts_with("# A Resolution of Professional Differences protocol"),
        "{text}"
    );
    assert!(text.contains("\nformat = 2\n"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, &text).unwrap();
    let p = path.to_str().unwrap();
    assert_eq!(ok(&["protocol", "check", p]), "ok\n");
    let plan = ok(&["plan", "--protocol", p, "--opened", "2026-11-23"]);
    assert_eq!(
        plan.lines().filter(|l| l.starts_with("limit\t")).count(),
        2,
        "{plan}"
    );
    assert!(ok(&[
        "plan",
        "--protocol",
        p,
        "--opened",
        "2026-11-23",
        "--route",
        "urgent"
    ])
    .starts_with("1\t2026-11-24T00:00\t"));
}

#[test]
fn protocol_show_shows_routes_limits_skipping_optional_stages_and_extensions() {
    let wy = ok(&["protocol", "show", &fixture("west-yorkshire.toml")]);
    for want in [
        "Format: 2\n",
        "Routes:\n  standard: Process of Resolving Professional Disagreements (section 3) — the stages below (the default)\n",
        "  immediate: Immediate / 24 hour Escalation (section 4)\n    Asked at intake: Is the professional concerned",
        "Limits:\n  Limit steps-1-5: Stages 1 to 5, 5 working days from case-start — Steps 1-5 in the process should not exceed 5 working days.\n",
        "Route immediate, Stage 1: Immediate / 24 hour Escalation\n",
        "  Timescale: 24 hours from stage-start — Immediate / 24 hour Escalation\n",
    ] {
        assert!(wy.contains(want), "{want:?} not in:\n{wy}");
    }
    let iro = ok(&["protocol", "show", &fixture("iro-handbook-style.toml")]);
    assert!(iro.contains("Skipping: The IRO may skip any stage, with a recorded reason — The IRO may bypass any stage"), "{iro}");
    assert!(
        iro.contains(
            "Cap formal-process: the whole process, 20 working days from the start of Stage 1"
        ),
        "{iro}"
    );
    let dar = ok(&["protocol", "show", &fixture("darlington.toml")]);
    assert!(dar.contains("Stage 3: Stage 3\n  Optional: may be skipped, with a recorded reason and who decided\n"), "{dar}");
    let sa = ok(&["protocol", "show", &fixture("south-ayrshire.toml")]);
    assert!(sa.contains("  Timescale: 28 calendar days from stage-start — The head of service should respond to the dissenting person in writing within 28 days.\n  Extension: may be extended with the agreement of The accountable senior manager — Exceptions to the 28 calendar day timescale"), "{sa}");
    let lin = ok(&["protocol", "show", &fixture("lincolnshire.toml")]);
    assert!(
        lin.contains(
            "Route urgent: Urgent resolution required\n  Takes the protocol's Stages 1, 2, 3\n"
        ),
        "{lin}"
    );
    // A format 1 protocol shows as it did.
    assert!(!ok(&["protocol", "show", "doncaster"]).contains("Format:"));
}
