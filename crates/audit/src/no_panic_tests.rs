//! Parsers never panic, whatever the bytes (lossily decoded, as the walker does).

use crate::parse::{compose, dockerfile, dotenv, k8s, python, shell, yaml};
use crate::project::recognise_and_parse;
use crate::source::SourceFile;
use crate::{audit_project, Project};
use proptest::prelude::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Bytes biased towards each format's syntax, so the fuzzing reaches deep states.
fn syntaxy() -> impl Strategy<Value = Vec<u8>> {
    let tokens = prop::sample::select(vec![
        "\n",
        " ",
        "\t",
        "\\",
        "\\\n",
        "'",
        "\"",
        "`",
        "$",
        "$(",
        "${",
        "}",
        ")",
        "(",
        "|",
        "&&",
        ";",
        "<<",
        "<<-",
        "EOF",
        ">",
        "2>&1",
        "#",
        "FROM x AS y\n",
        "RUN ",
        "ENV A=b ",
        "ARG X=${Y:-z}\n",
        "USER ",
        "COPY . .\n",
        "[\"a\"]",
        "- ",
        ": ",
        "key: ",
        "&a ",
        "*a ",
        "<<: *a\n",
        "---\n",
        "[",
        "]",
        "{",
        "}",
        "services:\n",
        "apiVersion: v1\nkind: Pod\n",
        "  ",
        "é",
        "\u{0}",
        "def f(",
        "):\n",
        "import os\n",
        "requests.get(",
        "f'{",
        "x = ",
        "True",
        "=",
        ",",
        "\r\n",
    ]);
    prop::collection::vec(
        prop_oneof![
            tokens.prop_map(|t| t.as_bytes().to_vec()),
            prop::collection::vec(any::<u8>(), 0..8)
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..512), syntaxy()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn dockerfile_parser(b in bytes()) {
        let t = text(&b);
        let df = dockerfile::parse(&t);
        for i in 0..df.instructions.len() {
            let _ = df.vars_at(i);
            let _ = df.instructions[i].key_values();
            let _ = df.instructions[i].exec_form();
            let _ = df.instructions[i].file_offset(usize::MAX / 2);
        }
    }

    #[test]
    fn shell_parser(b in bytes()) {
        let t = text(&b);
        let s = shell::parse(&t, 0);
        for c in &s.commands {
            let _ = c.effective();
            prop_assert!(c.words.iter().all(|w| w.end <= t.len()));
        }
    }

    #[test]
    fn yaml_compose_and_k8s(b in bytes()) {
        let src = SourceFile::new("x.yml", text(&b));
        if let Ok(docs) = yaml::parse_documents(&src) {
            for d in &docs {
                for s in compose::services(d) {
                    let _ = compose::mounts(s.node);
                    let _ = compose::environment(s.node);
                }
            }
            for o in k8s::objects(docs) {
                let _ = o.containers();
                let _ = o.pod_pos();
            }
        }
    }

    #[test]
    fn python_parser(b in bytes()) {
        let _ = python::parse(&text(&b));
    }

    #[test]
    fn dotenv_and_positions(b in bytes(), at in 0usize..2048) {
        let t = text(&b);
        let _ = dotenv(&t);
        let src = SourceFile::new("f", t);
        let _ = src.pos_at(at);
        let _ = src.snippet(u32::try_from(at).unwrap_or(0));
    }

    /// The whole pipeline: recognition, parsing and every rule, under every file name.
    #[test]
    fn every_rule_on_arbitrary_files(b in bytes()) {
        let t = text(&b);
        let names = ["Dockerfile", "docker-compose.yml", "k8s.yaml", "entrypoint.sh", "settings.py", "clients.py", ".env", "app"];
        let project = Project::from_texts(names.iter().map(|n| (n.to_string(), t.clone())).collect());
        let _ = audit_project(&project);
        for n in names {
            let _ = recognise_and_parse(n.to_string(), t.clone());
        }
    }
}

#[test]
fn deep_nesting_and_huge_lines_do_not_overflow() {
    let deep_yaml = format!("{}x\n", "- ".repeat(100_000));
    let flow_yaml = format!("a: {}\n", "[".repeat(10_000));
    let deep_py = format!("x = {}1{}\n", "(".repeat(5_000), ")".repeat(5_000));
    let deep_sh = format!("echo {}x{}\n", "$(".repeat(5_000), ")".repeat(5_000));
    let many_stages: String = (0..2_000)
        .map(|i| format!("FROM s{i} AS s{}\n", i + 1))
        .collect();
    let files = vec![
        ("a.yml".to_string(), deep_yaml),
        ("b.yml".to_string(), flow_yaml),
        ("c.py".to_string(), deep_py),
        ("d.sh".to_string(), deep_sh),
        ("Dockerfile".to_string(), many_stages),
    ];
    let project = Project::from_texts(files);
    let _ = audit_project(&project);
}
