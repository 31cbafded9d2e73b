//! The image overrider: rewrite the registry, repository or tag of container images the way
//! Karmada's `imageOverrider` does (KARMADA.md §1.2), quirks included.

use serde_json::Value;

use super::Failure;
use crate::model::{ImageComponent, ImageOverrider, PatchOperator};

/// An image reference split as Karmada's `imageparser` splits it:
/// `[host[:port]/]repository[:tag][@digest]`, with no `docker.io` normalisation. A reference with
/// both a tag and a digest keeps both unless the tag itself is changed (upstream
/// `imageoverride_test.go` `TestOverrideTaggedDigest`; older Karmada kept only the tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Registry host (and port), empty when absent.
    pub host: String,
    /// Repository path.
    pub repository: String,
    /// Tag, empty when absent.
    pub tag: String,
    /// Digest (`algorithm:hex`), empty when absent.
    pub digest: String,
}

impl Image {
    /// Splits an image reference. The first path segment is a host only if it contains `.` or
    /// `:` or is `localhost`.
    #[must_use]
    pub fn parse(reference: &str) -> Self {
        let (rest, digest) = match reference.split_once('@') {
            Some((rest, digest)) => (rest, digest.to_owned()),
            None => (reference, String::new()),
        };
        let (host, path) = match rest.split_once('/') {
            Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => {
                (first.to_owned(), path)
            }
            _ => (String::new(), rest),
        };
        let last_slash = path.rfind('/').map_or(0, |index| index + 1);
        let (repository, tag) = match path[last_slash..].rfind(':') {
            Some(index) => (
                path[..last_slash + index].to_owned(),
                path[last_slash + index + 1..].to_owned(),
            ),
            None => (path.to_owned(), String::new()),
        };
        Self {
            host,
            repository,
            tag,
            digest,
        }
    }

    /// The tag, or else the digest.
    fn tag_or_digest(&self) -> &str {
        if self.tag.is_empty() {
            &self.digest
        } else {
            &self.tag
        }
    }

    /// Sets the tag or digest from `value`, as Karmada classifies it: a valid tag replaces tag and
    /// digest, a valid digest replaces both, anything else changes nothing.
    fn set_tag_or_digest(&mut self, value: &str) {
        if is_tag(value) {
            value.clone_into(&mut self.tag);
            self.digest.clear();
        } else if is_digest(value) {
            value.clone_into(&mut self.digest);
            self.tag.clear();
        }
    }
}

impl std::fmt::Display for Image {
    /// `host/repository:tag@digest`, each part only when present.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.host.is_empty() {
            write!(f, "{}/", self.host)?;
        }
        f.write_str(&self.repository)?;
        if !self.tag.is_empty() {
            write!(f, ":{}", self.tag)?;
        }
        if !self.digest.is_empty() {
            write!(f, "@{}", self.digest)?;
        }
        Ok(())
    }
}

/// `[\w][\w.-]{0,127}`.
fn is_tag(value: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = value.chars();
    chars.next().is_some_and(word)
        && value.len() <= 128
        && chars.all(|c| word(c) || c == '.' || c == '-')
}

/// `algorithm:hex` with at least 32 hex digits; the algorithm is letters and digits joined by
/// `-_+.`, each part starting with a letter.
fn is_digest(value: &str) -> bool {
    let Some((algorithm, hex)) = value.split_once(':') else {
        return false;
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['-', '_', '+', '.']).all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_alphanumeric())
        });
    algorithm_ok && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// Checks a reference against the grammar Karmada's parser enforces (distribution's
/// `reference.Parse`): Karmada fails the override of an image it cannot parse.
fn check_reference(reference: &str) -> Result<(), String> {
    let image = Image::parse(reference);
    let problem = if reference.is_empty() {
        Some("it is empty".to_owned())
    } else if !image.host.is_empty() && !is_domain(&image.host) {
        Some(format!("`{}` is not a registry host", image.host))
    } else if image.repository.is_empty() || !image.repository.split('/').all(is_path_component) {
        Some(format!(
            "the repository `{}` must be lower-case letters and digits, separated by `.`, `_`, `__` or `-`",
            image.repository
        ))
    } else if image.host.len() + image.repository.len() + 1 > 255 {
        Some("the name is longer than 255 characters".to_owned())
    } else if !image.tag.is_empty() && !is_tag(&image.tag) {
        Some(format!("`{}` is not a valid tag", image.tag))
    } else if !image.digest.is_empty() && !is_digest(&image.digest) {
        Some(format!("`{}` is not a valid digest", image.digest))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(format!(
            "the image `{reference}` cannot be parsed: {problem}"
        )),
        None => Ok(()),
    }
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn is_path_component(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes: Vec<char> = component.chars().collect();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut index = 0;
    while index < bytes.len() {
        if alnum(bytes[index]) {
            index += 1;
            continue;
        }
        let start = index;
        while index < bytes.len() && !alnum(bytes[index]) {
            index += 1;
        }
        let separator: String = bytes[start..index].iter().collect();
        let valid = separator == "."
            || separator == "_"
            || separator == "__"
            || separator.chars().all(|c| c == '-');
        if !valid {
            return false;
        }
    }
    true
}

/// A host name of letters, digits and inner `-` in `.`-separated labels, or a bracketed IPv6
/// address, with an optional numeric port.
fn is_domain(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    if port.is_some_and(|port| port.is_empty() || !port.chars().all(|c| c.is_ascii_digit())) {
        return false;
    }
    if let Some(inner) = name
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return !inner.is_empty() && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
    }
    !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Applies one overrider to one image reference.
#[must_use]
pub fn override_image(reference: &str, overrider: &ImageOverrider) -> String {
    let mut image = Image::parse(reference);
    let value = overrider.value.as_str();
    match (overrider.component, overrider.operator) {
        (ImageComponent::Registry, PatchOperator::Add) => image.host.push_str(value),
        (ImageComponent::Registry, PatchOperator::Replace) => value.clone_into(&mut image.host),
        (ImageComponent::Registry, PatchOperator::Remove) => image.host.clear(),
        (ImageComponent::Repository, PatchOperator::Add) => image.repository.push_str(value),
        (ImageComponent::Repository, PatchOperator::Replace) => {
            value.clone_into(&mut image.repository);
        }
        (ImageComponent::Repository, PatchOperator::Remove) => image.repository.clear(),
        (ImageComponent::Tag, PatchOperator::Add) => {
            let combined = format!("{}{value}", image.tag_or_digest());
            image.set_tag_or_digest(&combined);
        }
        (ImageComponent::Tag, PatchOperator::Replace) => image.set_tag_or_digest(value),
        // Removing the version drops tag and digest alike (upstream `TestOverrideTaggedDigest`).
        (ImageComponent::Tag, PatchOperator::Remove) => {
            image.tag.clear();
            image.digest.clear();
        }
    }
    image.to_string()
}

/// Where an image, command or args overrider without a predicate looks for containers, by kind
/// (Karmada's `buildPatchesWithEmptyPredicate` and `buildCommandArgsPatches`).
pub(super) fn containers_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec/containers"),
        "ReplicaSet" | "Deployment" | "DaemonSet" | "StatefulSet" | "Job" => {
            Some("/spec/template/spec/containers")
        }
        _ => None,
    }
}

/// Whether a reference has both a tag and a digest, where Karmada versions disagree.
#[must_use]
pub fn is_tagged_digest(reference: &str) -> bool {
    let image = Image::parse(reference);
    !image.tag.is_empty() && !image.digest.is_empty()
}

/// What an image overrider did that the plan should mention.
#[derive(Debug, Default)]
pub struct Rewrite {
    /// Pointers of the images that changed.
    pub changed: Vec<String>,
    /// False when, without a predicate, the kind has no containers Karmada rewrites.
    pub kind_supported: bool,
    /// References that had both a tag and a digest.
    pub tagged_digests: Vec<String>,
    /// Images of init containers left as they are (Karmada rewrites only `containers`).
    pub skipped_init_images: Vec<String>,
}

/// Applies an overrider to a manifest. Without a predicate every container image of the kinds
/// Karmada knows is rewritten (init and ephemeral containers are not); other kinds are left as
/// they are. With a predicate, the one image at its path is rewritten.
pub fn apply(
    manifest: &mut Value,
    kind: &str,
    overrider: &ImageOverrider,
) -> Result<Rewrite, Failure> {
    let mut tagged_digests = Vec::new();
    let mut skipped_init_images = Vec::new();
    let mut changed = Vec::new();
    let mut rewrite = |reference: &mut String, path: String| -> Result<(), Failure> {
        check_reference(reference).map_err(|message| Failure::new(&path, message))?;
        if is_tagged_digest(reference) {
            tagged_digests.push(reference.clone());
        }
        let updated = override_image(reference, overrider);
        if updated != *reference {
            changed.push(path);
        }
        *reference = updated;
        Ok(())
    };
    let mut kind_supported = true;
    if let Some(path) = &overrider.predicate {
        let target = walk(manifest, path)
            .ok_or_else(|| Failure::new(path, "the image path does not exist"))?;
        let Value::String(reference) = target else {
            return Err(Failure::new(path, "the image path is not a string"));
        };
        rewrite(reference, path.clone())?;
    } else if let Some(pointer) = containers_pointer(kind) {
        if let Some(Value::Array(containers)) = manifest.pointer_mut(pointer) {
            for (index, container) in containers.iter_mut().enumerate() {
                if let Some(Value::String(reference)) = container.get_mut("image") {
                    rewrite(reference, format!("{pointer}/{index}/image"))?;
                }
            }
        }
        let init = pointer.replace("/containers", "/initContainers");
        if let Some(Value::Array(containers)) = manifest.pointer(&init) {
            skipped_init_images.extend(
                containers
                    .iter()
                    .filter_map(|container| container.get("image").and_then(Value::as_str))
                    .map(str::to_owned),
            );
        }
    } else {
        kind_supported = false;
    }
    Ok(Rewrite {
        changed,
        kind_supported,
        tagged_digests,
        skipped_init_images,
    })
}

/// Walks a `/`-separated path through objects and numeric array indices.
fn walk<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut current = value;
    for segment in path.split('/').filter(|segment| !segment.is_empty()) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        current = match current {
            Value::Object(map) => map.get_mut(&segment)?,
            Value::Array(items) => items.get_mut(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrider(
        component: ImageComponent,
        operator: PatchOperator,
        value: &str,
    ) -> ImageOverrider {
        ImageOverrider {
            predicate: None,
            component,
            operator,
            value: value.to_owned(),
        }
    }

    #[test]
    fn parses_hosts_only_when_they_look_like_hosts() {
        let image = Image::parse("registry.k8s.io:5000/pause/x:3.9");
        assert_eq!(
            (
                image.host.as_str(),
                image.repository.as_str(),
                image.tag.as_str()
            ),
            ("registry.k8s.io:5000", "pause/x", "3.9")
        );
        let image = Image::parse("library/nginx:1.25");
        assert_eq!(
            (image.host.as_str(), image.repository.as_str()),
            ("", "library/nginx")
        );
        assert_eq!(Image::parse("localhost/app").host, "localhost");
        assert_eq!(Image::parse("nginx").to_string(), "nginx");
    }

    /// Upstream `imageoverride_test.go` `TestOverrideTaggedDigest`.
    #[test]
    fn tagged_digests_keep_both_until_the_tag_changes() {
        let digest = "sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c";
        let image = format!("registry.example/team/app:v1@{digest}");
        let run = |component, operator, value: &str| {
            override_image(&image, &overrider(component, operator, value))
        };
        assert_eq!(
            run(
                ImageComponent::Registry,
                PatchOperator::Replace,
                "mirror.example"
            ),
            format!("mirror.example/team/app:v1@{digest}")
        );
        assert_eq!(
            run(
                ImageComponent::Repository,
                PatchOperator::Replace,
                "other/app"
            ),
            format!("registry.example/other/app:v1@{digest}")
        );
        assert_eq!(
            run(ImageComponent::Tag, PatchOperator::Replace, "v2"),
            "registry.example/team/app:v2"
        );
        assert_eq!(
            run(ImageComponent::Tag, PatchOperator::Remove, ""),
            "registry.example/team/app"
        );
    }

    #[test]
    fn registry_operations() {
        use ImageComponent::Registry;
        assert_eq!(
            override_image(
                "docker.io/nginx:1.25",
                &overrider(Registry, PatchOperator::Replace, "eu.example")
            ),
            "eu.example/nginx:1.25"
        );
        assert_eq!(
            override_image(
                "nginx:1.25",
                &overrider(Registry, PatchOperator::Replace, "eu.example")
            ),
            "eu.example/nginx:1.25"
        );
        assert_eq!(
            override_image(
                "a.example/nginx",
                &overrider(Registry, PatchOperator::Add, ".test")
            ),
            "a.example.test/nginx"
        );
        assert_eq!(
            override_image(
                "a.example/nginx:1",
                &overrider(Registry, PatchOperator::Remove, "")
            ),
            "nginx:1"
        );
    }

    #[test]
    fn repository_operations_keep_karmadas_quirks() {
        use ImageComponent::Repository;
        assert_eq!(
            override_image(
                "a.example/nginx:1",
                &overrider(Repository, PatchOperator::Replace, "web")
            ),
            "a.example/web:1"
        );
        assert_eq!(
            override_image(
                "nginx:1",
                &overrider(Repository, PatchOperator::Add, "-debug")
            ),
            "nginx-debug:1"
        );
        // Removing the repository leaves `host/:tag`, as Karmada does.
        assert_eq!(
            override_image(
                "a.example/nginx:1",
                &overrider(Repository, PatchOperator::Remove, "")
            ),
            "a.example/:1"
        );
    }

    #[test]
    fn tag_operations_reclassify_the_result() {
        use ImageComponent::Tag;
        let digest = "sha256:".to_owned() + &"b".repeat(64);
        assert_eq!(
            override_image(
                "nginx:1.25",
                &overrider(Tag, PatchOperator::Replace, "1.26")
            ),
            "nginx:1.26"
        );
        assert_eq!(
            override_image("nginx:1.25", &overrider(Tag, PatchOperator::Add, "-alpine")),
            "nginx:1.25-alpine"
        );
        assert_eq!(
            override_image(
                "nginx:1.25",
                &overrider(Tag, PatchOperator::Replace, &digest)
            ),
            format!("nginx@{digest}")
        );
        // Neither a tag nor a digest: nothing changes.
        assert_eq!(
            override_image(
                "nginx:1.25",
                &overrider(Tag, PatchOperator::Replace, "not a tag")
            ),
            "nginx:1.25"
        );
        assert_eq!(
            override_image("nginx:1.25", &overrider(Tag, PatchOperator::Remove, "")),
            "nginx"
        );
        assert_eq!(
            override_image(
                &format!("nginx@{digest}"),
                &overrider(Tag, PatchOperator::Remove, "")
            ),
            "nginx"
        );
    }

    #[test]
    fn without_a_predicate_every_container_is_rewritten_but_not_init_containers() {
        let mut manifest = serde_json::json!({"spec": {"template": {"spec": {
            "initContainers": [{"name": "init", "image": "busybox"}],
            "containers": [{"name": "a", "image": "nginx:1"}, {"name": "b", "image": "x.io/sidecar:2"}]
        }}}});
        let rewrite = apply(
            &mut manifest,
            "Deployment",
            &overrider(
                ImageComponent::Registry,
                PatchOperator::Replace,
                "eu.example",
            ),
        )
        .unwrap();
        assert_eq!(rewrite.skipped_init_images, ["busybox"]);
        let spec = &manifest["spec"]["template"]["spec"];
        assert_eq!(spec["containers"][0]["image"], "eu.example/nginx:1");
        assert_eq!(spec["containers"][1]["image"], "eu.example/sidecar:2");
        assert_eq!(spec["initContainers"][0]["image"], "busybox");
    }

    #[test]
    fn other_kinds_are_left_alone_and_predicates_must_point_at_strings() {
        let mut cron = serde_json::json!({"spec": {"jobTemplate": {}}});
        apply(
            &mut cron,
            "CronJob",
            &overrider(ImageComponent::Tag, PatchOperator::Replace, "2"),
        )
        .unwrap();
        assert_eq!(cron, serde_json::json!({"spec": {"jobTemplate": {}}}));
        let mut pod = serde_json::json!({"spec": {"initContainers": [{"image": "busybox:1"}]}});
        let mut with_predicate = overrider(ImageComponent::Tag, PatchOperator::Replace, "2");
        with_predicate.predicate = Some("/spec/initContainers/0/image".into());
        apply(&mut pod, "Pod", &with_predicate).unwrap();
        assert_eq!(pod["spec"]["initContainers"][0]["image"], "busybox:2");
        with_predicate.predicate = Some("/spec/initContainers/0".into());
        let failure = apply(&mut pod, "Pod", &with_predicate).unwrap_err();
        assert_eq!(
            (failure.path.as_str(), failure.message.as_str()),
            ("/spec/initContainers/0", "the image path is not a string")
        );
    }
}
