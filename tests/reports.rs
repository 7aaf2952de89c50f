//! The reports as readers get them: the Markdown reports of the tiny dataset against
//! checked-in golden files, HTML escaping, self-containment, empty states, and user templates.
//!
//! Regenerate the golden files after an intended change with:
//! `UPDATE_SNAPSHOTS=1 cargo test --test reports`

mod common;

use std::path::{Path, PathBuf};

use common::{cli, stderr, temp_dir, tiny_dir, MiniData};

/// Runs `pipeline` into a fresh folder and returns it.
fn run(pipeline: &Path, name: &str) -> PathBuf {
    let out = temp_dir(name).join("out");
    let output = cli(&["run", pipeline.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|_| panic!("missing {}", path.display()))
}

/// The tool version changes with every release; nothing else in a report is volatile.
fn masked(text: &str) -> String {
    text.replace(&format!("advocacy {}", env!("CARGO_PKG_VERSION")), "advocacy <VERSION>")
}

#[test]
fn markdown_reports_match_their_golden_files() {
    let out = run(&tiny_dir().join("pipeline.toml"), "golden");
    for name in ["board.md", "csm.md", "references.md", "backtest.md"] {
        let text = masked(&read(&out.join(name)));
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/reports").join(name);
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &text).unwrap();
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("no golden file {}; run with UPDATE_SNAPSHOTS=1", golden.display()));
        assert!(text == expected, "{name} differs from {}; diff the two to see how", golden.display());
    }
    // Every chart the Markdown links to is written next to it.
    let board = read(&out.join("board.md"));
    for link in board.split("](").skip(1).filter_map(|s| s.split(')').next()).filter(|l| l.ends_with(".svg"))
    {
        assert!(out.join(link).is_file(), "board.md links {link}, which was not written");
    }
}

#[test]
fn references_reach_sales_as_a_report_and_a_crm_import() {
    // Tiny dataset (EXPECTED.md): O18 (40,000) and O09 (12,000) at A5 both get C04 (Beta,
    // industry and segment, score 68.05), her two deals; C01 matches nothing.
    let out = run(&tiny_dir().join("pipeline.toml"), "references");
    assert_eq!(read(&out.join("references.csv")), "opportunity_id,contact_id,rank\nO18,C04,1\nO09,C04,1\n");
    let html = read(&out.join("references.html"));
    assert!(html.contains("Dan Dory") && html.contains("industry, segment"), "{html}");
    assert!(read(&out.join("board.html")).contains("href=\"references.html\""));
}

#[test]
fn the_board_pack_quotes_the_tables_it_is_built_from() {
    // Tiny dataset, T12M (EXPECTED.md): influenced won 58,000 of 63,000 (92%); referral
    // conversion lift (1/4)/(1/5) - 1 = +25% against the benchmark +70%; cycle reduction
    // 1 - 59/141 = 58%.
    let out = run(&tiny_dir().join("pipeline.toml"), "quotes");
    let board = read(&out.join("board.md"));
    assert!(board.contains("advocates influenced 92% of won revenue ($58K of $63K)"), "{board}");
    assert!(board.contains("Referral deals converted 25% better than other deals"), "{board}");
    assert!(board.contains("| Conversion, referral against other | +25% | +70% |"), "{board}");
    assert!(board.contains("Won referral deals closed 58% faster (median 59 days against 141)"), "{board}");
    // The data-quality footnote counts every reject: 1 + 5 + 2 + 6 + 3 + 5 + 2 + 3 + 1 = 28 of
    // 4 + 14 + 17 + 23 + 25 + 15 + 12 + 12 + 5 = 127 rows.
    assert!(board.contains("28 of 127 rows were set aside by the checks"), "{board}");
}

#[test]
fn a_hostile_account_name_is_escaped() {
    let name = "<script>alert(1)</script>";
    let data = MiniData::new()
        .set(
            "accounts",
            &format!(
                "account_id,account_name,segment,industry,region,csm_id,customer_since,churned_on,arr\n\
                 A1,\"{name}\",SMB,Software,NA,S1,2024-01-15,,1000\n\
                 A2,Beta | Co,SMB,Retail,NA,S2,2025-01-01,,2000\n"
            ),
        )
        .set(
            "opportunities",
            "opportunity_id,account_id,opportunity_type,stage,amount,created_on,closed_on,lead_source,referrer_contact_id\n\
             O1,A2,new_business,won,5000,2026-09-01,2026-10-01,Referral,C1\n",
        );
    let out = run(&data.write("hostile"), "hostile");
    for page in ["board.html", "csm.html", "index.html"] {
        let html = read(&out.join(page));
        assert!(!html.contains("<script"), "{page} contains a script tag");
    }
    let board = read(&out.join("board.html"));
    // C1 at the hostile account referred O1: the top-referrers table shows the account.
    assert!(board.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "escaped name in board.html");
    let markdown = read(&out.join("board.md"));
    assert!(markdown.contains("\\<script\\>alert(1)\\</script\\>"), "escaped name in board.md");
    assert!(!markdown.contains("<script>"));
}

#[test]
fn html_reports_are_self_contained_and_accessible() {
    let pipeline = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/monthly_board.toml");
    let out = run(&pipeline, "self-contained");
    for page in ["board.html", "csm.html", "index.html"] {
        let html = read(&out.join(page));
        for forbidden in ["http://", "https://", "<script", "<link", "@import", "<img", "<iframe"] {
            assert!(!html.contains(forbidden), "{page} contains {forbidden}");
        }
        assert!(html.contains("<meta name=\"viewport\""), "{page} is readable on a phone");
        assert!(html.contains("@media print"), "{page} prints cleanly");
        assert_eq!(
            html.matches("<table").count(),
            html.matches("<thead>").count(),
            "{page}: every table has headers"
        );
    }
    let board = read(&out.join("board.html"));
    for chart in ["revenue_by_month", "csqas_by_month", "health_tiers", "referral_vs_other", "program_reach"]
    {
        assert!(board.contains(&format!("<title id=\"{chart}-title\">")), "{chart} has a title");
        assert!(board.contains(&format!("<desc id=\"{chart}-desc\">")), "{chart} has a text alternative");
        assert!(out.join("charts").join(format!("{chart}.svg")).is_file());
    }
    assert!(read(&out.join("csm.html")).contains("<title id=\"csm_comparison-title\">"));
}

#[test]
fn empty_states_read_as_sentences() {
    // No won deal in October, no usage, webinar, NPS or job-change input, and a CSM (S2)
    // whose only account churned.
    let data = MiniData::empty()
        .rows("csms", &["S1,Sam One,A", "S2,Sue Two,B"])
        .rows("accounts", &["A1,Acme,,,,S1,2024-01-01,,1000", "A2,Beta,,,,S2,2024-01-01,2025-01-01,0"])
        .rows("contacts", &["C1,A1,Ann,,,2024-02-01,"])
        .rows("opportunities", &["O1,A1,renewal,won,1000,2026-01-01,2026-02-01,,"])
        .rows("advocacy_activities", &["ACT1,C1,review,pending,,,"])
        .without("usage")
        .without("webinar_attendance")
        .without("nps_responses")
        .without("job_changes");
    let out = run(&data.write("empty"), "empty");
    let board = read(&out.join("board.html"));
    for sentence in [
        "No in-scope deals were won in October 2026.",
        "No won deal was influenced by an advocate or a referral in the last 12 months.",
        "No contact has qualified as a CS Qualified Advocate yet.",
        "Neither webinar attendance nor NPS responses are configured for this pipeline.",
        "No champion has changed jobs yet.",
        "No deal created in the last 12 months names a referring contact.",
    ] {
        assert!(board.contains(sentence), "board.html lacks {sentence:?}");
    }
    let csm = read(&out.join("csm.html"));
    assert!(csm.contains("No active customer accounts on 31 Oct 2026, so nothing to compare."));
    assert!(read(&out.join("board.md")).contains("No in-scope deals were won in October 2026."));
}

#[test]
fn a_pipeline_can_bring_its_own_templates() {
    let mut data = MiniData::new();
    data.settings.push_str("[reports]\ntemplates = \"my-reports\"\ncompany = \"Acme Corp\"\n");
    let pipeline = data.write("custom-templates");
    let templates = pipeline.parent().unwrap().join("my-reports");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("board.md"), "Custom pack for {{ company }}, {{ period_label }}.\n")
        .unwrap();
    let out = run(&pipeline, "custom-templates");
    assert_eq!(read(&out.join("board.md")), "Custom pack for Acme Corp, October 2026.\n");
    assert!(
        read(&out.join("csm.md")).starts_with("# Acme Corp: advocate creation by CSM"),
        "other templates are built in"
    );
}

#[test]
fn a_shared_piece_replaced_once_changes_every_report_that_uses_it() {
    let mut data = MiniData::new();
    data.settings.push_str("[reports]\ntemplates = \"my-reports\"\n");
    let pipeline = data.write("custom-kpis");
    let templates = pipeline.parent().unwrap().join("my-reports");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("_kpis.html"), "<p class=\"house-kpis\">{{ kpis | length }} numbers</p>\n")
        .unwrap();
    let out = run(&pipeline, "custom-kpis");
    for report in ["board.html", "index.html"] {
        let html = read(&out.join(report));
        assert!(html.contains("<p class=\"house-kpis\">"), "{report} uses the custom cards");
        assert!(!html.contains("class=\"kpi "), "{report} no longer has the built-in cards");
    }
}

#[test]
fn a_template_typo_fails_loudly() {
    let mut data = MiniData::new();
    data.settings.push_str("[reports]\ntemplates = \"my-reports\"\n");
    let pipeline = data.write("template-typo");
    let templates = pipeline.parent().unwrap().join("my-reports");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("board.md"), "{{ compnay }}\n").unwrap();
    let output = cli(&["run", pipeline.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("board.md") && message.contains("undefined"), "{message}");
    assert!(!pipeline.parent().unwrap().join("out").exists(), "nothing is published");
}
