#!/usr/bin/env bash
# make bench: lightsout's ingest and detection against the tools of the field, on the MRT
# bench corpus built by ../shared/bench/make-corpus.sh (8 real update files, 387 MB
# decompressed; one bz2 file, one gz file, 64 bz2 files).
#
# Measures, side by side, wall time, CPU time (user + sys) and peak RSS (GNU time) of:
#   bzip2 -dc (one file; and over the 64 files), bgpdump -m, a bgpkit-parser element count,
#   lightsout's bzip2 decoder and libbzip2 alone (one core),
#   lightsout ingest of each corpus form (2 threads, and 1 thread for the scaling), of one
#   file of the 64, of the decompressed corpus (one 387 MB file), and detection for one entity
#   over the bench lake against a bare count.
# Each measurement is repeated RUNS times (default 3; bgpdump SLOW_RUNS, default 1; the
# counts and detection DETECT_RUNS, default 7, in turn) and the median is reported. Prints a
# Markdown table and writes it to bench/results.md.
#
# Environment: SHARED (default ../shared), CORPUS (default bench/corpus), RUNS, SLOW_RUNS,
# DETECT_RUNS, PROFILE (cargo profile, default bench), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
CORPUS=${CORPUS:-bench/corpus}
RUNS=${RUNS:-3}
DETECT_RUNS=${DETECT_RUNS:-7}
SLOW_RUNS=${SLOW_RUNS:-1}
PROFILE=${PROFILE:-bench}
TARGET=${CARGO_TARGET_DIR:-target}
PDIR=$PROFILE; [ "$PROFILE" = bench ] && PDIR=release; [ "$PROFILE" = dev ] && PDIR=debug
BIN=$TARGET/$PDIR/lightsout
COUNT=$TARGET/$PDIR/examples/bgpkit_count
DECODE=$TARGET/$PDIR/examples/bz2_decode
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lightsout-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

command -v taskset >/dev/null || { echo "bench: taskset is needed (util-linux)" >&2; exit 1; }
command -v bzip2 >/dev/null || { echo "bench: bzip2 is needed" >&2; exit 1; }
command -v bgpdump >/dev/null || { echo "bench: bgpdump is needed (apt install bgpdump)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is needed (apt install time)" >&2; exit 1; }

if [ ! -f "$CORPUS/corpus.mrt.bz2" ] || [ ! -f "$CORPUS/files/part-63.mrt.bz2" ]; then
  [ -x "$SHARED/bench/make-corpus.sh" ] || { echo "bench: $SHARED/bench/make-corpus.sh not found" >&2; exit 1; }
  echo "bench: building the corpus in $CORPUS (a few minutes)" >&2
  mkdir -p "$CORPUS"
  "$SHARED/bench/make-corpus.sh" "$CORPUS" >/dev/null
fi

echo "bench: building ($PROFILE profile)" >&2
cargo build -q --profile "$PROFILE" --bin lightsout
cargo build -q --profile "$PROFILE" -p lightsout-formats --example bgpkit_count --example bz2_decode

# once NAME CMD... : one run of CMD (after $BEFORE); its wall, user+sys and max RSS are kept
# under NAME and its output goes to $WORK/NAME.out. summarize NAME: median wall and CPU, max RSS.
declare -A WALL CPU RSS WALLS CPUS RSSS
once() {
  local name=$1; shift
  [ -n "${BEFORE:-}" ] && eval "$BEFORE"
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
  read -r w u s m <"$WORK/time"
  WALLS[$name]="${WALLS[$name]:-} $w"
  CPUS[$name]="${CPUS[$name]:-} $(awk "BEGIN {print $u + $s}")"
  RSSS[$name]="${RSSS[$name]:-} $m"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
summarize() {
  local name=$1
  WALL[$name]=$(echo "${WALLS[$name]}" | median)
  CPU[$name]=$(echo "${CPUS[$name]}" | median)
  RSS[$name]=$(echo "${RSSS[$name]}" | tr ' ' '\n' | grep . | sort -g | tail -1)
  echo "bench: $name ${WALL[$name]} s" >&2
}
# measure NAME RUNS CMD... : RUNS runs of CMD in a row.
measure() {
  local name=$1 runs=$2; shift 2
  for ((i = 0; i < runs; i++)); do once "$name" "$@"; done
  summarize "$name"
}

BZ=$CORPUS/corpus.mrt.bz2
GZ=$CORPUS/corpus.mrt.gz
PLAIN=$CORPUS/corpus.mrt
FILES=$CORPUS/files
MB=$(awk "BEGIN {print $(stat -c %s "$PLAIN") / 1e6}")

measure bgpdump "$SLOW_RUNS" bgpdump -m "$BZ"
measure bgpkit "$RUNS" "$COUNT" "$BZ"
# The decompressors alone, on one core: lightsout's block decoder and libbzip2 (the bzip2
# crate), both reading into memory and discarding.
measure decode_ours "$RUNS" taskset -c 0 "$DECODE" "$BZ" 0
measure decode_libbz2 "$RUNS" taskset -c 0 "$DECODE" "$BZ" libbz2
# The baselines run in turn with the ingest they are compared with (bzip2, ingest, bzip2,
# ingest...): this machine's speed drifts by 20% over minutes, and a ratio of runs minutes
# apart measured the drift.
for ((i = 0; i < RUNS; i++)); do
  BEFORE="" once bzip2 bzip2 -dc "$BZ"
  BEFORE="rm -rf $WORK/lake" once ingest_bz2 "$BIN" ingest --threads 2 --lake "$WORK/lake" "$BZ"
done
summarize bzip2
summarize ingest_bz2
# One core: `--threads 1` alone still leaves the Parquet writer thread (and, for bzip2, the
# block reader) running beside the parser on the second core, so scaling is measured by
# pinning the process to one core.
BEFORE="rm -rf $WORK/lake1" measure ingest_bz2_1t "$RUNS" taskset -c 0 "$BIN" ingest --threads 1 --lake "$WORK/lake1" "$BZ"
BEFORE="rm -rf $WORK/lakegz" measure ingest_gz "$RUNS" "$BIN" ingest --threads 2 --lake "$WORK/lakegz" "$GZ"
# The 64 files hold 8 contents 8 times (make-corpus.sh). A lake stores each content once (the
# copies are skipped as "same content"), so ingesting the folder does an eighth of the work;
# that run is reported as it is, and the whole work is measured as one run per copy (each
# with the 8 distinct files of that copy) into a lake of its own.
declare -A SEEN
GROUPS_=()
for f in "$FILES"/*.bz2; do
  h=$(sha256sum "$f" | cut -c1-64)
  k=${SEEN[$h]:-0}
  SEEN[$h]=$((k + 1))
  GROUPS_[k]="${GROUPS_[k]:-} $f"
done
for t in 1 2; do
  pin=""; [ "$t" = 1 ] && pin="taskset -c 0"
  {
    echo "set -e"
    for k in "${!GROUPS_[@]}"; do
      echo "$pin $BIN ingest --threads $t --lake $WORK/lake64c_${t}_$k ${GROUPS_[k]} >/dev/null"
    done
  } >"$WORK/ingest64_$t.sh"
done
BEFORE="rm -rf $WORK/lake64" measure ingest_64_dedup "$RUNS" "$BIN" ingest --threads 2 --lake "$WORK/lake64" "$FILES"
for ((i = 0; i < RUNS; i++)); do
  BEFORE="" once bzip2_64 sh -c "for f in $FILES/*.bz2; do bzip2 -dc \$f; done"
  BEFORE="rm -rf $WORK/lake64c_2_*" once ingest_64 sh "$WORK/ingest64_2.sh"
done
summarize bzip2_64
summarize ingest_64
BEFORE="rm -rf $WORK/lake64c_1_*" measure ingest_64_1t "$RUNS" sh "$WORK/ingest64_1.sh"
BEFORE="rm -rf $WORK/lakeone" measure ingest_one "$RUNS" "$BIN" ingest --threads 2 --lake "$WORK/lakeone" "$FILES/part-00.mrt.bz2"
BEFORE="rm -rf $WORK/lakeplain" measure ingest_plain "$RUNS" "$BIN" ingest --threads 2 --lake "$WORK/lakeplain" "$PLAIN"
unset BEFORE

rows=$(sed -n 's/.*rows: bgp_updates \([0-9]*\).*/\1/p' "$WORK/ingest_bz2.out")
rows_state=$(sed -n 's/.*bgp_peer_state \([0-9]*\).*/\1/p' "$WORK/ingest_bz2.out")
rows=$((rows + ${rows_state:-0}))
elems=$(cat "$WORK/bgpkit.out")

# Detection for one entity over the bench lake (the busiest origin AS of the corpus, over
# its busiest day), against bare counts over the same table.
"$BIN" ingest --lake "$WORK/lake" "$BZ" >/dev/null || true
read -r day asn < <("$BIN" sql --lake "$WORK/lake" --format csv \
  "SELECT date, origin_asn FROM bgp_updates WHERE origin_asn IS NOT NULL GROUP BY date, origin_asn ORDER BY count(*) DESC, date, origin_asn LIMIT 1" \
  | tail -1 | tr ',' ' ')
cat >"$WORK/case.toml" <<EOF
name = "bench"
start = "${day}T00:00:00Z"
end = "${day}T23:59:00Z"
bin = "5m"
[bgp]
full_feed_min_v4 = 1000
full_feed_min_v6 = 100
history = "1h"
state_lookback = "1d"
[trace]
history = "1h"
[dns]
history = "1h"
[[entity]]
name = "AS$asn"
asn = $asn
EOF
# The counts and detection run in turn (count, scan, detection, count, ...), so that the
# ratio compares runs made minutes apart at most on a machine whose speed drifts.
for ((i = 0; i < DETECT_RUNS; i++)); do
  BEFORE="" once count_meta "$BIN" sql --lake "$WORK/lake" "SELECT count(*) FROM bgp_updates"
  BEFORE="" once count_scan "$BIN" sql --lake "$WORK/lake" "SELECT count(prefix), count(DISTINCT peer_ip) FROM bgp_updates"
  BEFORE="rm -rf $WORK/out" once detect "$BIN" detect "$WORK/case.toml" --lake "$WORK/lake" --out "$WORK/out"
done
summarize count_meta
summarize count_scan
summarize detect

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
base=${WALL[bzip2]}
{
  echo "## lightsout bench ($(nproc) cores, profile $PROFILE, median of $RUNS runs; bgpdump $SLOW_RUNS; counts and detection $DETECT_RUNS, in turn)"
  echo
  echo "Corpus: $MB MB of MRT (8 real update files x 8), $elems bgpkit elements; lightsout writes $rows rows."
  echo
  echo "| what | wall s | CPU s | peak RSS MiB | wall / bzip2 -dc | rows/s | MB/s |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  row() {
    local label=$1 key=$2 rws=${3:-}
    local w=${WALL[$key]} c=${CPU[$key]} m=${RSS[$key]}
    local rps="" mbs=""
    [ -n "$rws" ] && rps=$(awk "BEGIN {printf \"%.0f\", $rws / $w}")
    [ -n "${4:-}" ] && mbs=$(awk "BEGIN {printf \"%.0f\", $4 / $w}")
    echo "| $label | $w | $c | $((m / 1024)) | $(ratio "$w" "$base") | $rps | $mbs |"
  }
  row "bzip2 -dc corpus.mrt.bz2" bzip2 "" "$MB"
  row "bzip2 -dc over the 64 files" bzip2_64 "" "$MB"
  row "bgpdump -m corpus.mrt.bz2" bgpdump "$elems" "$MB"
  row "bgpkit-parser element count (1 thread)" bgpkit "$elems" "$MB"
  row "lightsout's bzip2 decoder alone (1 core)" decode_ours "" "$MB"
  row "libbzip2 (bzip2 crate) alone (1 core)" decode_libbz2 "" "$MB"
  row "lightsout ingest corpus.mrt.bz2 (2 threads)" ingest_bz2 "$rows" "$MB"
  row "lightsout ingest corpus.mrt.bz2 (1 core: taskset -c 0, --threads 1)" ingest_bz2_1t "$rows" "$MB"
  row "lightsout ingest corpus.mrt.gz (2 threads)" ingest_gz "$rows" "$MB"
  row "lightsout ingest 64 bz2 files, one run per copy (2 threads)" ingest_64 "$rows" "$MB"
  row "lightsout ingest 64 bz2 files, one run per copy (1 core)" ingest_64_1t "$rows" "$MB"
  row "lightsout ingest the 64-file folder (copies skipped: 1/8 of the work)" ingest_64_dedup
  row "lightsout ingest 1 of the 64 files" ingest_one
  row "lightsout ingest corpus.mrt, one 387 MB file" ingest_plain "$rows" "$MB"
  row "sql SELECT count(*) FROM bgp_updates (metadata)" count_meta
  row "sql count(prefix), count(DISTINCT peer_ip) (scan)" count_scan
  row "detect, one entity (AS$asn, $day)" detect
  echo
  echo "- ingest of the bz2 corpus / bzip2 -dc: $(ratio "${WALL[ingest_bz2]}" "$base") (target 0.8)"
  echo "- ingest of the 64 files / bzip2 -dc over them: $(ratio "${WALL[ingest_64]}" "${WALL[bzip2_64]}") (target 0.6)"
  echo "- speed-up from 1 core to 2: bz2 $(ratio "${WALL[ingest_bz2_1t]}" "${WALL[ingest_bz2]}"), 64 files $(ratio "${WALL[ingest_64_1t]}" "${WALL[ingest_64]}") (target 1.7)"
  echo "- detect / scanning count: $(ratio "${WALL[detect]}" "${WALL[count_scan]}"); / metadata count: $(ratio "${WALL[detect]}" "${WALL[count_meta]}") (target 3)"
} | tee bench/results.md
