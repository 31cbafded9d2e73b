//! Upstream Karmada unit-test cases for the image overrider and the image parser, restated as
//! data (karmada-io/karmada; file, Go test function and sub-case named on each row).
//!
//! mcctl follows the newest upstream behaviour for an image with both a tag and a digest
//! (`imageoverride_test.go@24bea6d` `TestOverrideTaggedDigest`). None of the older cases below
//! contradict it: none of their images carries both.

// Skipped, because mcctl does not implement those overriders yet:
// `labelannotationoverrider_test.go` (`Test_applyLabelsOverriders`,
// `Test_applyAnnotationsOverriders`), `commandargsoverride_test.go`
// (`TestParseJSONPatchesByCommandOverrider`, `TestParseJSONPatchesByArgsOverrider`) and the field
// overrider cases of `overridemanager_test.go` (`Test_overrideManagerImpl_Apply*`).
// Also skipped: `lifted_test.go`'s anchored "tag immediately followed by digest" pattern, a regex
// building block with no counterpart in mcctl (the Tag `add` row below covers how it shows).

use serde_json::{Value, json};

use super::image::{Image, apply, override_image};
use crate::model::{ImageComponent, ImageOverrider, PatchOperator};

use ImageComponent::{Registry, Repository, Tag};
use PatchOperator::{Add, Remove, Replace};

/// `DIG` of `imageoverride_test.go`.
const DIG: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
/// The digest of `TestOverrideTaggedDigest` and of `parser_test.go`.
const D50: &str = "sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c";

const FICTIONAL: &str = "fictional.registry.example/imagename:v1.0.0";
const SLIM: &str = "registry.k8s.io/nginx-slim:0.8";
const TEMPLATE_CONTAINERS: &str = "/spec/template/spec/containers";

/// One row of `TestParseJSONPatchesByImageOverrider`: sub-case, kind, images before, overrider,
/// images after.
type ImageRow<'a> = (&'a str, &'a str, Vec<&'a str>, ImageOverrider, Vec<String>);
/// One parser example: name, first image, then each step's overrider and resulting image.
type Example<'a> = (&'a str, &'a str, Vec<(ImageOverrider, &'a str)>);

fn overrider(
    predicate: Option<&str>,
    component: ImageComponent,
    operator: PatchOperator,
    value: &str,
) -> ImageOverrider {
    ImageOverrider {
        predicate: predicate.map(str::to_owned),
        component,
        operator,
        value: value.to_owned(),
    }
}

/// A manifest of `kind` whose containers have these images (at `/spec/containers` for a Pod,
/// `/spec/template/spec/containers` otherwise), as the fixtures of `imageoverride_test.go`.
fn workload(kind: &str, images: &[&str]) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .map(|image| json!({"name": "nginx", "image": image}))
        .collect();
    if kind == "Pod" {
        json!({"apiVersion": "v1", "kind": kind, "spec": {"containers": containers}})
    } else {
        json!({"kind": kind, "spec": {"template": {"spec": {"containers": containers}}}})
    }
}

fn images(manifest: &Value, kind: &str) -> Vec<String> {
    let pointer = if kind == "Pod" {
        "/spec/containers"
    } else {
        TEMPLATE_CONTAINERS
    };
    manifest
        .pointer(pointer)
        .and_then(Value::as_array)
        .expect("the fixture has containers")
        .iter()
        .map(|container| {
            container["image"]
                .as_str()
                .expect("images are strings")
                .to_owned()
        })
        .collect()
}

/// `pkg/util/overridemanager/imageoverride_test.go` `TestParseJSONPatchesByImageOverrider`.
/// Upstream checks the `replace` patches; here the patched manifest, so images that must not be
/// patched are checked to be unchanged.
#[test]
fn image_overrider_rewrites_container_images() {
    let predicate0 = "/spec/template/spec/containers/0/image";
    let predicate1 = "/spec/template/spec/containers/1/image";
    let fictional_nginx = "fictional.registry.example/nginx:v1.0.0";
    #[rustfmt::skip]
    let cases: Vec<ImageRow> = vec![
        // (sub-case, prefixed "imageOverrider with "; kind; images; overrider; expected images)
        ("empty predicate, resource kind: Job, component: Registry, operator: add", "Job", vec!["perl:5.34.0"],
            overrider(None, Registry, Add, "registry.k8s.io"), vec!["registry.k8s.io/perl:5.34.0".into()]),
        ("predicate, resource kind: Job, component: Registry, operator: add", "Job", vec!["perl:5.34.0"],
            overrider(Some(predicate0), Registry, Add, "registry.k8s.io"), vec!["registry.k8s.io/perl:5.34.0".into()]),
        ("empty predicate, resource kind: Deployment, component: Registry, operator: add", "Deployment", vec![FICTIONAL],
            overrider(None, Registry, Add, ".test"), vec!["fictional.registry.example.test/imagename:v1.0.0".into()]),
        ("empty predicate, resource kind: Deployment, component: Registry, operator: replace", "Deployment", vec![FICTIONAL],
            overrider(None, Registry, Replace, "fictional.registry.us"), vec!["fictional.registry.us/imagename:v1.0.0".into()]),
        ("empty predicate, resource kind: Deployment, component: Registry, operator: remove", "Deployment", vec![FICTIONAL],
            overrider(None, Registry, Remove, "fictional.registry.us"), vec!["imagename:v1.0.0".into()]),
        ("empty predicate, resource kind: Deployment, component: Repository, operator: add", "Deployment", vec![FICTIONAL],
            overrider(None, Repository, Add, "/nginx"), vec!["fictional.registry.example/imagename/nginx:v1.0.0".into()]),
        ("empty predicate, resource kind: Deployment, component: Repository, operator: replace", "Deployment", vec![FICTIONAL],
            overrider(None, Repository, Replace, "nginx"), vec![fictional_nginx.into()]),
        // The empty repository is what upstream expects.
        ("empty predicate, resource kind: Deployment, component: Repository, operator: remove", "Deployment", vec![FICTIONAL],
            overrider(None, Repository, Remove, "nginx"), vec!["fictional.registry.example/:v1.0.0".into()]),
        // `v1.0.0sha256:…` is neither a tag nor a digest: the image is unchanged.
        ("empty predicate, resource kind: Deployment, component: Tag, operator: add", "Deployment", vec![FICTIONAL],
            overrider(None, Tag, Add, DIG), vec![FICTIONAL.into()]),
        ("empty predicate, resource kind: Deployment, component: Tag, operator: replace", "Deployment", vec![FICTIONAL],
            overrider(None, Tag, Replace, DIG), vec![format!("fictional.registry.example/imagename@{DIG}")]),
        ("empty predicate, resource kind: Deployment, component: Tag, operator: remove", "Deployment", vec![FICTIONAL],
            overrider(None, Tag, Remove, DIG), vec!["fictional.registry.example/imagename".into()]),
        ("empty predicate, resource kind: Pod", "Pod", vec![FICTIONAL],
            overrider(None, Repository, Replace, "nginx"), vec![fictional_nginx.into()]),
        ("empty predicate, resource kind: StatefulSet", "StatefulSet", vec![FICTIONAL],
            overrider(None, Repository, Replace, "nginx"), vec![fictional_nginx.into()]),
        ("empty predicate, resource kind: ReplicaSet", "ReplicaSet", vec![FICTIONAL],
            overrider(None, Repository, Replace, "nginx"), vec![fictional_nginx.into()]),
        ("empty predicate, resource kind: DaemonSet", "DaemonSet", vec![FICTIONAL],
            overrider(None, Repository, Replace, "nginx"), vec![fictional_nginx.into()]),
        ("empty predicate, resource has more than one container", "Deployment", vec![FICTIONAL, SLIM],
            overrider(None, Repository, Replace, "nginx"), vec![fictional_nginx.into(), "registry.k8s.io/nginx:0.8".into()]),
        ("predicate, resource has one container", "Deployment", vec![FICTIONAL],
            overrider(Some(predicate0), Repository, Replace, "nginx"), vec![fictional_nginx.into()]),
        // Only the image at the predicate changes; container 0 keeps its image.
        ("predicate, resource has more than one container", "Deployment", vec![FICTIONAL, SLIM],
            overrider(Some(predicate1), Repository, Replace, "nginx"), vec![FICTIONAL.into(), "registry.k8s.io/nginx:0.8".into()]),
    ];
    for (name, kind, before, overrider, expected) in cases {
        let mut manifest = workload(kind, &before);
        let result = apply(&mut manifest, kind, &overrider);
        assert!(result.is_ok(), "{name}: {result:?}");
        assert_eq!(images(&manifest, kind), expected, "{name}");
    }
}

/// The code behind `TestParseJSONPatchesByImageOverrider` (`imageoverride.go`): without a
/// predicate, kinds other than `Pod`, `ReplicaSet`, `Deployment`, `DaemonSet`, `StatefulSet` and
/// `Job` get no patch and no error.
#[test]
fn image_overrider_leaves_other_kinds_alone() {
    let mut manifest = workload("CronJob", &[FICTIONAL]);
    let before = manifest.clone();
    let rewrite = apply(
        &mut manifest,
        "CronJob",
        &overrider(None, Registry, Replace, "mirror.example"),
    )
    .unwrap();
    assert!(rewrite.tagged_digests.is_empty() && rewrite.skipped_init_images.is_empty());
    assert_eq!(manifest, before);
}

/// `imageoverride_test.go@24bea6d` `TestOverrideTaggedDigest` (the newest upstream behaviour).
#[test]
fn tagged_digests_keep_both_parts_unless_the_version_changes() {
    let image = format!("registry.example/team/app:v1@{D50}");
    #[rustfmt::skip]
    let cases = [
        ("registry", overrider(None, Registry, Replace, "mirror.example"), format!("mirror.example/team/app:v1@{D50}")),
        ("repository", overrider(None, Repository, Replace, "other/app"), format!("registry.example/other/app:v1@{D50}")),
        ("replace tag", overrider(None, Tag, Replace, "v2"), "registry.example/team/app:v2".to_owned()),
        ("remove version", overrider(None, Tag, Remove, ""), "registry.example/team/app".to_owned()),
    ];
    for (name, overrider, expected) in cases {
        assert_eq!(override_image(&image, &overrider), expected, "{name}");
    }
}

/// `pkg/util/imageparser/parser_test.go` `TestParse`: the split, and `String()` round-trips.
#[test]
fn images_parse_into_host_repository_tag_and_digest() {
    let digest_image = format!("fictional.registry.example:10443/subpath/imagename@{D50}");
    #[rustfmt::skip]
    let cases = [
        // (sub-case, image, host, repository, tag, digest)
        ("simple", "pause", "", "pause", "", ""),
        ("repository", "subpath/imagename:v1.0.0", "", "subpath/imagename", "v1.0.0", ""),
        ("normal", FICTIONAL, "fictional.registry.example", "imagename", "v1.0.0", ""),
        ("hostname with port", "fictional.registry.example:10443/subpath/imagename:v1.0.0", "fictional.registry.example:10443", "subpath/imagename", "v1.0.0", ""),
        ("digest", digest_image.as_str(), "fictional.registry.example:10443", "subpath/imagename", "", D50),
    ];
    for (name, reference, host, repository, tag, digest) in cases {
        let image = Image::parse(reference);
        let expected = Image {
            host: host.into(),
            repository: repository.into(),
            tag: tag.into(),
            digest: digest.into(),
        };
        assert_eq!(image, expected, "{name}");
        assert_eq!(image.to_string(), reference, "{name}: round trip");
    }
}

/// `parser_test.go` `TestSplitHostname`: the first segment is a host only if it has `.` or `:`.
#[test]
fn the_first_segment_is_a_host_only_when_it_looks_like_one() {
    #[rustfmt::skip]
    let cases = [
        // (image, host, repository)
        ("", "", ""), // "empty image got nothing"
        ("imagename", "", "imagename"),
        ("subpath/imagename", "", "subpath/imagename"),
        ("fictional.registry.example/subpath/imagename", "fictional.registry.example", "subpath/imagename"),
        ("fictional.registry.example:10443/subpath/imagename", "fictional.registry.example:10443", "subpath/imagename"),
        ("10.10.10.10:10443/subpath/imagename", "10.10.10.10:10443", "subpath/imagename"),
    ];
    for (reference, host, repository) in cases {
        let image = Image::parse(reference);
        assert_eq!(
            (image.host.as_str(), image.repository.as_str()),
            (host, repository),
            "{reference:?}"
        );
    }
}

/// `parser_test.go` examples `ExampleComponents_SetHostname`, `ExampleComponents_SetRepository`,
/// `ExampleComponents_SetTagOrDigest` and `ExampleComponents_String`: each step applies one
/// overrider to the previous step's image (set ⇒ replace, remove ⇒ remove).
#[test]
fn component_setters_chain_like_the_parser_examples() {
    let digest_image = format!("gcr.io/kube-apiserver@{D50}");
    #[rustfmt::skip]
    let examples: Vec<Example> = vec![
        ("ExampleComponents_SetHostname", "imagename:v1.0.0", vec![
            (overrider(None, Registry, Replace, "fictional.registry.example"), FICTIONAL),
            (overrider(None, Registry, Replace, "gcr.io"), "gcr.io/imagename:v1.0.0"),
            (overrider(None, Registry, Remove, ""), "imagename:v1.0.0"),
        ]),
        ("ExampleComponents_SetRepository", "gcr.io/kube-apiserver:v1.19.0", vec![
            (overrider(None, Repository, Replace, "kube-controller-manager"), "gcr.io/kube-controller-manager:v1.19.0"),
        ]),
        ("ExampleComponents_SetTagOrDigest", "gcr.io/kube-apiserver", vec![
            (overrider(None, Tag, Replace, "v1.19.0"), "gcr.io/kube-apiserver:v1.19.0"),
            (overrider(None, Tag, Remove, ""), "gcr.io/kube-apiserver"),
            (overrider(None, Tag, Replace, D50), digest_image.as_str()),
            (overrider(None, Tag, Remove, ""), "gcr.io/kube-apiserver"),
        ]),
    ];
    for (name, start, steps) in examples {
        let mut image = start.to_owned();
        for (step, (overrider, expected)) in steps.iter().enumerate() {
            image = override_image(&image, overrider);
            assert_eq!(image, *expected, "{name} step {step}");
        }
    }
    // ExampleComponents_String
    let image = Image {
        host: "fictional.registry.example".into(),
        repository: "karmada-scheduler".into(),
        tag: "v1.0.0".into(),
        digest: String::new(),
    };
    assert_eq!(
        image.to_string(),
        "fictional.registry.example/karmada-scheduler:v1.0.0"
    );
}

/// `pkg/util/imageparser/lifted_test.go`: which values count as a tag or a digest, seen through
/// a Tag `replace` (a tag replaces the version, a digest replaces it with `@digest`, anything else
/// changes nothing).
#[test]
fn tag_values_are_classified_as_tag_digest_or_neither() {
    let sha384 = format!("sha384:{}", "a".repeat(96));
    let replace_tag =
        |value: &str| override_image("gcr.io/app:old", &overrider(None, Tag, Replace, value));
    for tag in ["latest", "v1.0.0", "v1.0.0-alpha", "my-tag"] {
        assert_eq!(
            replace_tag(tag),
            format!("gcr.io/app:{tag}"),
            "valid tag {tag}"
        );
    }
    for digest in [D50, sha384.as_str()] {
        assert_eq!(
            replace_tag(digest),
            format!("gcr.io/app@{digest}"),
            "valid digest {digest}"
        );
    }
    // The anchored tag pattern rejects surrounding spaces, and `tag` + `digest` with a space in
    // between is no valid version either.
    for neither in [" v1.0.0 ", &format!("v1.0.0 {D50}")] {
        assert_eq!(replace_tag(neither), "gcr.io/app:old", "{neither:?}");
    }
}
