//! Upstream Karmada unit-test cases for the image parser, restated as code because they test
//! [`Image::parse`] and [`override_image`] directly (karmada-io/karmada; file, Go test function
//! and sub-case named on each test). The override cases of `overridemanager`'s tests, image
//! overrider included, are data in `testdata/overrides/` (run by `fixtures.rs`).
//!
//! Skipped: `lifted_test.go`'s anchored "tag immediately followed by digest" pattern, a regex
//! building block with no counterpart in mcctl.

use serde_json::{Value, json};

use super::image::{Image, apply, override_image};
use crate::model::{ImageComponent, ImageOverrider, PatchOperator};

use ImageComponent::{Registry, Tag};
use PatchOperator::Replace;

/// The digest of `parser_test.go`.
const D50: &str = "sha256:50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c";

const FICTIONAL: &str = "fictional.registry.example/imagename:v1.0.0";

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
