#!/bin/bash
# Runs every libFuzzer target (make fuzz-build) for a bounded time with a
# fixed seed, its checked-in seed corpus (tests/fuzz/corpus/<target>/)
# first, and reports one TAP line per target.  A crash, a sanitizer report
# (ASan, UBSan, leaks), a timeout or too few cases is "not ok"; the input
# that did it is kept in build-fuzz/fuzz-artifacts/<target>/.
#   FUZZ_SECONDS  per target (default 12)
#   FUZZ_TARGETS  space-separated subset (default: all)
set -u
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-12}
read -r -a targets <<<"${FUZZ_TARGETS:-spec tar_name ref image_json tar regconf netport}"
# The slow targets (a temp dir or a layer unpack per case) must still
# reach this many cases: fewer means the run proved little.
declare -A min_runs=([spec]=500 [tar_name]=500 [ref]=500 [image_json]=500 [tar]=500 [regconf]=500 [netport]=500)

echo "1..${#targets[@]}"
i=0 failed=0
for t in "${targets[@]}"; do
	i=$((i + 1))
	bin=$FUZZ_BUILD/tests/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "ok $i - fuzz $t # skip not built (needs clang and libFuzzer: make fuzz-build)"
		continue
	fi
	work=$(mktemp -d /tmp/nook-fuzz-run.XXXXXX)
	mkdir "$work/new" "$work/art"
	shm=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo /tmp)/nook-fuzz-run.XXXXXX")
	NOOK_FUZZ_TMP=$shm "$bin" -seed=1 -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/art/" "$work/new" "tests/fuzz/corpus/$t" \
		>"$work/log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	runs=${runs:-0}
	if [ "$status" = 0 ] && [ "$runs" -ge "${min_runs[$t]:-1}" ]; then
		echo "ok $i - fuzz $t: $runs cases in ${SECONDS_EACH}s, no crash"
	else
		failed=1
		echo "not ok $i - fuzz $t: exit $status after $runs cases (at least ${min_runs[$t]:-1} wanted)"
		grep -E 'ERROR|SUMMARY|fuzz_assert|runtime error|Assertion|deadly signal' "$work/log" |
			head -20 | sed 's/^/# /'
		if ls "$work/art/"* >/dev/null 2>&1; then
			mkdir -p "$FUZZ_BUILD/fuzz-artifacts/$t"
			cp "$work/art/"* "$FUZZ_BUILD/fuzz-artifacts/$t/"
			echo "# input kept in $FUZZ_BUILD/fuzz-artifacts/$t/ (replay: $bin FILE)"
		fi
	fi
	rm -rf "$work" "$shm"
done
exit $failed
