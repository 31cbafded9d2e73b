//! DESIGN.md §2: a module may only use the modules listed above it in `lib.rs` (plus `diag` and
//! `addr`).

use std::path::Path;

use crate::support::repo;

fn modules_in_order() -> Vec<String> {
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix("pub mod ")
                .and_then(|rest| rest.strip_suffix(';'))
        })
        .map(str::to_owned)
        .collect()
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// The `crate::<module>` paths a file uses outside its `#[cfg(test)]` part.
fn used_modules(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    let mut used = Vec::new();
    let mut rest = code;
    while let Some(index) = rest.find("crate::") {
        rest = &rest[index + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            used.push(name);
        }
    }
    used.sort();
    used.dedup();
    used
}

#[test]
fn modules_only_use_modules_listed_above_them() {
    let order = modules_in_order();
    assert!(order.len() > 10, "{order:?}");
    let position = |name: &str| order.iter().position(|module| module == name);
    let mut violations = Vec::new();
    for (index, module) in order.iter().enumerate() {
        let mut files = Vec::new();
        let dir = repo().join("src").join(module);
        if dir.is_dir() {
            sources(&dir, &mut files);
        }
        let file = repo().join("src").join(format!("{module}.rs"));
        if file.is_file() {
            files.push(file);
        }
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Test files may use the test builders.
            if file
                .file_name()
                .is_some_and(|name| name == "tests.rs" || name == "karmada_cases.rs")
            {
                continue;
            }
            for used in used_modules(&text) {
                if used == "diag" || used == "addr" || used == *module {
                    continue;
                }
                match position(&used) {
                    Some(used_index) if used_index < index => {}
                    Some(_) => violations.push(format!(
                        "{} uses `{used}`, which is listed below `{module}`",
                        file.strip_prefix(repo()).unwrap().display()
                    )),
                    None => {}
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// DESIGN.md §7: `src/cluster/kube.rs` is the only file that talks to kube-rs, so that the rest
/// of mcctl stays testable without an API server and a kube-rs upgrade touches one file.
#[test]
fn only_the_kube_backend_uses_kube_rs() {
    let mut files = Vec::new();
    sources(&repo().join("src"), &mut files);
    let kube_backend = repo().join("src/cluster/kube.rs");
    let offenders: Vec<String> = files
        .iter()
        .filter(|file| **file != kube_backend)
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.lines().any(|line| {
                let line = line.trim_start();
                !line.starts_with("//")
                    && ((line.contains("::kube::")
                        && !line.contains("self::kube::")
                        && !line.contains("cluster::kube::"))
                        || line.starts_with("use kube")
                        || line.contains("k8s_openapi"))
            })
        })
        .map(|file| file.strip_prefix(repo()).unwrap().display().to_string())
        .collect();
    assert!(offenders.is_empty(), "{offenders:?}");
    assert!(
        std::fs::read_to_string(&kube_backend)
            .unwrap()
            .contains("use ::kube::")
    );
}
