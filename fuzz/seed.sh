#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seeds: the fixtures of each target's format, decompressed
# (the decompress target takes them as they are) and cut to their first 16 KiB, and the
# damaged archives of fixtures/damaged/ and the regression inputs of
# fixtures/damaged/regressions/<target>-* (every crash ever found is replayed by every run).
# Files already in a corpus (the fuzzer's own finds) are kept.
set -eu
cd "$(dirname "$0")/.."
F=fixtures

decompressed() {
  case "$1" in
    *.gz) gzip -dc "$1" ;;
    *.bz2) bzip2 -dc "$1" ;;
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -qdc "$1" ;;
    *) cat "$1" ;;
  esac
}

# seed TARGET raw|plain FILE...
seed() {
  local target=$1 how=$2 f
  shift 2
  mkdir -p "fuzz/corpus/$target"
  for f in "$@"; do
    [ -f "$f" ] || continue
    case "$f" in *.md | *.sh) continue ;; esac
    local out="fuzz/corpus/$target/seed-$(echo "$f" | tr '/' '_')"
    if [ "$how" = raw ]; then
      head -c 16384 "$f" >"$out"
    else
      { decompressed "$f" 2>/dev/null || true; } | head -c 16384 >"$out"
    fi
  done
}

shopt -s nullglob
seed mrt plain $F/mrt/* $F/mrt/variants/* $F/damaged/mrt-*
seed mrt_record plain $F/mrt/* $F/mrt/variants/*
seed warts plain $F/traceroute/*.warts $F/traceroute/lab/*.warts.gz $F/damaged/warts-*
seed atlas plain $F/traceroute/atlas_* $F/traceroute/pantrace_atlas.jsonl $F/damaged/atlas-*
seed scamper_json plain $F/traceroute/warts_expected/*.json* $F/traceroute/lab/vp1.kp.json.gz $F/damaged/scamper_json-*
seed tracetext plain $F/traceroute/*.txt $F/damaged/tracetext-*
seed dnstap plain $F/dns/*.fstrm $F/dns/*.dnstap $F/damaged/dnstap-*
seed dnstap_message plain $F/dns/*.fstrm $F/dns/*.dnstap
seed zeek plain $F/dns/own_zeek_dns.* $F/dns/zeek/*.dns.log $F/damaged/zeek-*
seed resolver_log plain $F/dns/own_bind*.log $F/dns/own_unbound.log $F/damaged/resolver_log-*
seed pcap plain $F/dns/*.pcap $F/dns/*.pcapng $F/dns/zeek/*.pcap $F/damaged/pcap-*
# bzip2_block: small complete blocks (bzip2 of a few KiB of each fixture, without the 4-byte
# stream header), so that mutations start from blocks that decode.
mkdir -p fuzz/corpus/bzip2_block
for f in $F/mrt/* $F/dns/*.log $F/traceroute/*.txt; do
  [ -f "$f" ] || continue
  { decompressed "$f" 2>/dev/null || true; } | head -c 6000 | bzip2 -9 | tail -c +5 >"fuzz/corpus/bzip2_block/seed-$(echo "$f" | tr '/' '_')"
done
seed decompress raw $F/mrt/*.gz $F/mrt/*.bz2 $F/mrt/variants/* $F/dns/*.gz $F/traceroute/lab/*.gz $F/damaged/*
for t in fuzz/fuzz_targets/*.rs; do
  t=$(basename "$t" .rs)
  seed "$t" raw $F/damaged/regressions/"$t"-*
done
