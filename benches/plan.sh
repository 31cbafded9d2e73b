#!/usr/bin/env bash
# End-to-end plan benchmarks: generate workspaces with `examples/gen.rs`, time
# `mcctl plan --refresh=false` with hyperfine, measure peak RSS with `/usr/bin/time -v`, time the
# no-change plan with an up-to-date state, `mcctl --version`, and compare with `kubectl kustomize`
# rendering the same per-cluster variants. Writes the table into docs/benchmarks.md (between the
# `results` markers) and the plot into docs/benchmarks-plan.svg.
#
#   benches/plan.sh                                  # 10x100, 100x1000 and 1000x1000
#   SIZES="10x100 100x1000" benches/plan.sh          # skip the largest size
#   RUNS=5 NO_CHANGE=100x1000 KUSTOMIZE_OVERLAYS=2 benches/plan.sh
#   WRITE_DOCS=0 benches/plan.sh                     # print the table only
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# A fixed key keeps the plans free of the "Secret digests keyed by the workspace name" warning.
export MCCTL_SECRET_KEY=${MCCTL_SECRET_KEY:-benchmark}

sizes=${SIZES:-"10x100 100x1000 1000x1000"}
runs=${RUNS:-3}
no_change=${NO_CHANGE-100x1000}
overlays=${KUSTOMIZE_OVERLAYS:-1}
write_docs=${WRITE_DOCS:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/mcctl-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== building (release)" >&2
cargo build --release --quiet --example gen --bin mcctl
mcctl=$root/target/release/mcctl
gen=$root/target/release/examples/gen

have_hyperfine=1
if ! command -v hyperfine >/dev/null; then
    have_hyperfine=0
    echo "note: hyperfine is not installed (\`apt-get install hyperfine\` or \`cargo install hyperfine\`);" \
        "falling back to timing $runs runs with \`date +%s%N\`" >&2
fi
have_time=1
if [[ ! -x /usr/bin/time ]]; then
    have_time=0
    echo "note: /usr/bin/time is missing (\`apt-get install time\`); peak RSS is polled from /proc" >&2
fi

# measure NAME COMMAND...: wall mean and standard deviation, and the mean CPU time (user + system;
# `-` without hyperfine) in seconds, into $work/NAME.wall. The CPU time shows the work when the
# machine is shared and the wall time includes waiting for a core.
measure() {
    local name=$1
    shift
    if ((have_hyperfine)); then
        hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$work/$name.json" \
            --command-name "$name" -- "$(printf '%q ' "$@")" >&2
        python3 - "$work/$name.json" >"$work/$name.wall" <<'EOF'
import json, sys
result = json.load(open(sys.argv[1]))["results"][0]
print(result["mean"], result["stddev"] or 0.0, result["user"] + result["system"])
EOF
    else
        "$@" >/dev/null 2>&1 # warmup
        local times=() start end
        for _ in $(seq "$runs"); do
            start=$(date +%s%N)
            "$@" >/dev/null 2>&1
            end=$(date +%s%N)
            times+=($(((end - start) / 1000)))
        done
        python3 - "${times[@]}" >"$work/$name.wall" <<'EOF'
import statistics, sys
values = [int(v) / 1e6 for v in sys.argv[1:]]
print(statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0, "-")
EOF
    fi
}

# peak_rss COMMAND...: the peak resident set size in KiB.
peak_rss() {
    if ((have_time)); then
        /usr/bin/time -v "$@" 2>"$work/time.txt" >/dev/null || true
        awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt"
    else
        "$@" >/dev/null 2>&1 &
        local pid=$! peak=0 rss
        while kill -0 "$pid" 2>/dev/null; do
            rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            ((rss > peak)) && peak=$rss
            sleep 0.01
        done
        wait "$pid" || true
        echo "$peak"
    fi
}

# objects DIR: how many objects the plan renders (every one is a create without a state), from
# the summary line of the text plan (the JSON plan of the largest size would take gigabytes).
objects() {
    "$mcctl" -C "$1" plan --refresh=false --lock=false 2>/dev/null |
        sed -n 's/^Plan: \([0-9]*\) to add.*/\1/p' | tail -1
}

: >"$work/results.tsv"
for size in $sizes; do
    clusters=${size%x*}
    templates=${size#*x}
    dir=$work/ws-$size
    echo "== $clusters clusters x $templates templates" >&2
    "$gen" --clusters "$clusters" --templates "$templates" --out "$dir" >&2
    "$mcctl" -C "$dir" validate >/dev/null
    count=$(objects "$dir")
    measure "plan-$size" "$mcctl" -C "$dir" plan --refresh=false
    rss=$(peak_rss "$mcctl" -C "$dir" plan --refresh=false)
    read -r mean sd cpu_time <"$work/plan-$size.wall"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "plan --refresh=false" "$clusters" "$templates" \
        "$mean" "$sd" "$rss" "$count" "$cpu_time" >>"$work/results.tsv"
done

if [[ -n $no_change ]]; then
    clusters=${no_change%x*}
    templates=${no_change#*x}
    dir=$work/ws-$no_change-applied
    echo "== no-change plan at $no_change (apply once, then plan)" >&2
    "$gen" --clusters "$clusters" --templates "$templates" --out "$dir" >&2
    # Counted before the apply: afterwards every object is a no-op, and the summary says so.
    count=$(objects "$dir")
    apply_start=$(date +%s%N)
    "$mcctl" -C "$dir" apply --auto-approve >/dev/null
    apply_end=$(date +%s%N)
    echo "apply of $no_change to directory clusters: $(((apply_end - apply_start) / 1000000)) ms" >&2
    for refresh in true false; do
        name=no-change-$refresh
        measure "$name" "$mcctl" -C "$dir" plan --refresh="$refresh" --detailed-exitcode
        rss=$(peak_rss "$mcctl" -C "$dir" plan --refresh="$refresh")
        read -r mean sd cpu_time <"$work/$name.wall"
        label="no-change plan (refresh)"
        [[ $refresh == false ]] && label="no-change plan --refresh=false"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$clusters" "$templates" \
            "$mean" "$sd" "$rss" "$count" "$cpu_time" >>"$work/results.tsv"
    done
fi

echo "== mcctl --version" >&2
runs_saved=$runs
runs=50
measure version "$mcctl" --version
runs=$runs_saved
read -r mean sd cpu_time <"$work/version.wall"
rss=$(peak_rss "$mcctl" --version)
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "mcctl --version" "-" "-" "$mean" "$sd" "$rss" "0" "$cpu_time" \
    >>"$work/results.tsv"

# The kustomize comparison: a base of the same templates and one overlay per cluster with two
# patches mimicking the override policies (a registry per region, a label per cluster). Only
# $overlays overlays are rendered and the time is extrapolated to the fleet.
kustomize_note=""
if command -v kubectl >/dev/null; then
    size=100x1000
    [[ " $sizes " == *" $size "* ]] || size=${sizes##* }
    clusters=${size%x*}
    templates=${size#*x}
    dir=$work/ws-$size
    kdir=$work/kustomize-$size
    mkdir -p "$kdir/base"
    cp "$dir"/templates-*.yaml "$kdir/base/"
    {
        echo "resources:"
        for file in "$kdir"/base/templates-*.yaml; do echo "  - $(basename "$file")"; done
    } >"$kdir/base/kustomization.yaml"
    mapfile -t names < <(sed -n 's/^cluster "\(.*\)" {$/\1/p' "$dir/main.hcl")
    for ((index = 0; index < overlays && index < ${#names[@]}; index++)); do
        name=${names[$index]}
        region=${name%-*}
        mkdir -p "$kdir/overlays/$name"
        cat >"$kdir/overlays/$name/kustomization.yaml" <<EOF
resources:
  - ../../base
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/1/image
        value: $region.registry.example.com/platform/proxy:2.3.1
  - target:
      kind: Deployment|ConfigMap
    patch: |-
      - op: add
        path: /metadata/labels/example.com~1cluster
        value: $name
EOF
    done
    echo "== kubectl kustomize: $overlays overlay(s) of $templates templates ($(kubectl version --client 2>/dev/null | tr '\n' ' '))" >&2
    kubectl kustomize "$kdir/overlays/${names[0]}" | grep -c '^kind:' >"$work/kustomize.count" || true
    kcount=$(cat "$work/kustomize.count")
    runs_saved=$runs
    runs=$((runs < 3 ? runs : 3))
    measure kustomize bash -c "for overlay in '$kdir'/overlays/*; do kubectl kustomize \"\$overlay\" >/dev/null; done"
    runs=$runs_saved
    read -r kmean ksd kcpu <"$work/kustomize.wall"
    kmean_one=$(python3 -c "print($kmean / $overlays)")
    ksd_one=$(python3 -c "print($ksd / $overlays)")
    kcpu_one=-
    [[ $kcpu == - ]] || kcpu_one=$(python3 -c "print($kcpu / $overlays)")
    fleet=$(python3 -c "print($kmean_one * $clusters)")
    rss=$(peak_rss kubectl kustomize "$kdir/overlays/${names[0]}")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "kubectl kustomize, one overlay" "1" "$templates" \
        "$kmean_one" "$ksd_one" "$rss" "$kcount" "$kcpu_one" >>"$work/results.tsv"
    mcctl_line=$(awk -F'\t' -v c="$clusters" -v t="$templates" \
        '$1 == "plan --refresh=false" && $2 == c && $3 == t' "$work/results.tsv")
    read -r mmean mcount < <(echo "$mcctl_line" | awk -F'\t' '{print $4, $7}')
    ratio=$(python3 -c "print(f'{($kmean_one / $kcount) / ($mmean / $mcount):.0f}')")
    kustomize_note="kubectl kustomize renders one overlay of $kcount objects in $(python3 -c "print(f'{$kmean_one:.2f}')") s, so the $clusters-cluster fleet would take about $(python3 -c "print(f'{$fleet:.0f}')") s (extrapolated from $overlays overlay(s)); per rendered object, mcctl plan at ${clusters}×${templates} is **${ratio}×** faster."
else
    kustomize_note="kubectl is not installed, so the kustomize comparison was skipped."
fi
echo "$kustomize_note" >&2

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$root" diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null; then
    commit="$commit (with uncommitted changes)"
fi
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
ram=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
python3 - "$work/results.tsv" "$(nproc)" "$cpu" "$ram" "$(date -u +%Y-%m-%d)" "$commit" \
    "$kustomize_note" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)" >"$work/table.md" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
nproc, cpu, ram, date, commit, note, runs, load = sys.argv[2:10]

def wall(mean, sd):
    mean, sd = float(mean), float(sd)
    if mean < 0.1:
        return f"{mean * 1e3:.1f} ms ± {sd * 1e3:.1f}"
    return f"{mean:.3f} s ± {sd:.3f}"

print(f"Machine: {nproc} CPUs ({cpu}), {ram} RAM. Date: {date}. mcctl commit: `{commit}`.")
print(f"Wall time: hyperfine mean ± standard deviation ({runs} runs after 1 warmup; 50 runs for")
print("`--version`); CPU: the mean user + system time of those runs; peak RSS: `/usr/bin/time -v`.")
print(f"Load average when the table was written: {load}.")
print()
print("| run | clusters × templates | wall (mean ± sd) | CPU (user + sys) | peak RSS | objects rendered | µs/object (wall) |")
print("|---|---|---|---|---|---|---|")
for name, clusters, templates, mean, sd, rss, count, cpu in rows:
    size = "–" if clusters == "-" else f"{int(clusters):,} × {int(templates):,}"
    rss_text = f"{int(rss) / 1024:.1f} MiB" if rss else "–"
    count = int(count)
    per = f"{float(mean) * 1e6 / count:.2f}" if count else "–"
    cpu_text = "–" if cpu == "-" else wall(cpu, 0).split(" ±")[0]
    print(f"| {name} | {size} | {wall(mean, sd)} | {cpu_text} | {rss_text} | {count:,} | {per} |")
print()
print(note)
EOF
cat "$work/table.md"

if [[ $write_docs == 1 ]]; then
    python3 - "$root/docs/benchmarks.md" "$work/table.md" <<'EOF'
import sys
path, table = sys.argv[1], open(sys.argv[2]).read()
text = open(path).read()
start, end = "<!-- results:start -->", "<!-- results:end -->"
head, rest = text.split(start, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(f"{head}{start}\n{table}{end}{tail}")
EOF
    awk -F'\t' '$1 == "plan --refresh=false" {print $2, $3, $4, $5}' "$work/results.tsv" |
        python3 "$root/benches/plot.py" >"$root/docs/benchmarks-plan.svg"
    echo "wrote docs/benchmarks.md and docs/benchmarks-plan.svg" >&2
fi
