#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers and parameters that take user input, on stable Rust:
# AFL++ through cargo-afl. Runs each target of crates/fuzz (spielraum_fuzz::TARGETS) for a fixed
# budget from its seed corpus, prints executions, executions per second, crashes and hangs per
# target, and exits non-zero when any target crashed (the crashing inputs are listed; copy one
# to crates/fuzz/regressions/<target>/ and fix the reader).
#
#   bench/fuzz.sh                      every target, 60 s each
#   bench/fuzz.sh --seconds 10         a shorter budget
#   bench/fuzz.sh --targets pbf,tile   only these targets
#   bench/fuzz.sh --out DIR            keep AFL++'s findings in DIR (default: a temporary folder)
#
# Needs: cargo-afl (`cargo install cargo-afl --locked`, which also builds its AFL++; installed
# here when missing) and a C compiler. The instrumented build goes to $CARGO_TARGET_DIR/afl so
# the normal release build is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
targets=""
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --targets) targets="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$seconds" in ''|*[!0-9]*) echo "--seconds needs a whole number" >&2; exit 2 ;; esac

if ! cargo afl --version >/dev/null 2>&1; then
  echo "installing cargo-afl (builds AFL++ too)" >&2
  cargo install cargo-afl --locked >&2
fi
# cargo-afl builds its AFL++ (afl-fuzz and the runtime) on first use; a no-op when present.
cargo afl config --build >/dev/null 2>&1 || true

target_dir="${CARGO_TARGET_DIR:-$PWD/target}/afl"
echo "building the instrumented harness (cargo afl build --release) into $target_dir" >&2
CARGO_TARGET_DIR="$target_dir" cargo afl build --release --locked -q \
  -p spielraum-fuzz --features afl --bin spielraum-fuzz-afl >&2
bin="$target_dir/release/spielraum-fuzz-afl"

if [ -z "$targets" ]; then
  targets="$(sed -n 's/^    ("\([a-z_]*\)", [a-z_]*),$/\1/p' crates/fuzz/src/lib.rs | paste -sd, -)"
fi
if [ -z "$out" ]; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

# Unattended runs on a shared machine: no UI, no CPU binding or governor checks, no core dumps.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_SUPPRESS_PANIC=0

stat() { sed -n "s/^$1 *: *//p" "$2" | head -n1; }

printf '%-12s %10s %12s %10s %8s %8s %10s\n' target seconds executions execs/s corpus crashes hangs
failed=0
IFS=',' read -r -a list <<<"$targets"
for t in "${list[@]}"; do
  seeds="crates/fuzz/seeds/$t"
  [ -d "$seeds" ] || { echo "no seed folder $seeds" >&2; exit 2; }
  dict=()
  [ -f "crates/fuzz/dict/$t.dict" ] && dict=(-x "crates/fuzz/dict/$t.dict")
  # -V: stop after the budget; -t: 2 s per input counts as a hang; -m none: no memory cap
  # (the readers hold whole files, as in use).
  cargo afl fuzz -V "$seconds" -t 2000 -m none "${dict[@]}" -i "$seeds" -o "$out/$t" -- "$bin" "$t" \
    >"$out/$t.log" 2>&1 || { echo "afl-fuzz failed for $t, see below" >&2; tail -n 30 "$out/$t.log" >&2; exit 1; }
  s="$out/$t/default/fuzzer_stats"
  execs="$(stat execs_done "$s")"
  run="$(stat run_time "$s")"
  crashes="$(stat saved_crashes "$s")"
  [ -n "$crashes" ] || crashes="$(stat unique_crashes "$s")"
  hangs="$(stat saved_hangs "$s")"
  [ -n "$hangs" ] || hangs="$(stat unique_hangs "$s")"
  corpus="$(stat corpus_count "$s")"
  [ -n "$corpus" ] || corpus="$(stat paths_total "$s")"
  rate="$(awk -v e="$execs" -v r="$run" 'BEGIN { printf "%.0f", (r > 0 ? e / r : 0) }')"
  printf '%-12s %10s %12s %10s %8s %8s %10s\n' "$t" "$run" "$execs" "$rate" "$corpus" "$crashes" "$hangs"
  if [ "${crashes:-0}" != 0 ]; then
    failed=1
    for f in "$out/$t/default/crashes"/id:*; do
      [ -e "$f" ] && echo "  crash: $f" >&2
    done
  fi
done

if [ "$failed" != 0 ]; then
  echo "crashes found: reproduce with $bin TARGET < FILE (run with --out DIR to keep them)" >&2
  trap - EXIT
  exit 1
fi
