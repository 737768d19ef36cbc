#!/usr/bin/env bats
# The engine's run/create options beyond the first slice: each checked
# where its effect lands (inside the container, in the runtime's state, on
# the host), and each with a bad input that fails with one line and leaves
# nothing behind.
load engine_common
bats_require_minimum_version 1.5.0

setup_file() { engine_setup_file; }
teardown_file() { engine_teardown_file; }
setup() { engine_setup; }
teardown() {
	engine_teardown || return 1
	# Volumes of the test: none left in the store or on disk.
	[ -n "${ROOT:-}" ] || return 0
	nk volume prune -a -f >/dev/null
	run nk volume ls -q
	[ -z "$output" ] || { echo "volumes left: $output"; return 1; }
	[ -z "$(ls "$SR/volumes" 2>/dev/null)" ] || { echo "volume dirs left"; return 1; }
}

# A bad option: exit 125, one line naming what ($output), no new
# container.
refused() {
	local before err
	before=$(nk ps -aq)
	run nk "$@"
	assert_failure 125
	[ "${#lines[@]}" = 1 ] || { echo "want one line, got: $output"; return 1; }
	err=$output
	[ "$(nk ps -aq)" = "$before" ] || { echo "a container was left"; return 1; }
	output=$err
}

@test "--env-file: docker's format, -e over it" {
	f=$BATS_TEST_TMPDIR/env
	printf 'A=1\n# a comment\n\n  B=two words \nFROM_HOST\nC=x=y\r\n' >"$f"
	FROM_HOST=hi run nk run --rm --env-file "$f" -e A=3 bb:1 env
	assert_success
	assert_line A=3
	assert_line "B=two words "
	assert_line FROM_HOST=hi
	assert_line C=x=y
	refute_line A=1
}

@test "--env-file: bad files refused" {
	printf 'BAD KEY=1\n' >"$BATS_TEST_TMPDIR/ws"
	refused run --rm --env-file "$BATS_TEST_TMPDIR/ws" bb:1 true
	assert_output --partial "contains whitespace"
	printf '=1\n' >"$BATS_TEST_TMPDIR/nokey"
	refused run --rm --env-file "$BATS_TEST_TMPDIR/nokey" bb:1 true
	refused run --rm --env-file "$BATS_TEST_TMPDIR/missing" bb:1 true
	assert_output --partial missing
}

@test "--annotation lands in the runtime state; bad ones refused" {
	run nk run -d --name "$P" --annotation org.example.k=v1 --annotation e= bb:1 sleep 100
	assert_success
	id=$output
	run jq -c .annotations "$ROOT/$id/state.json"
	assert_output --partial '"org.example.k":"v1"'
	assert_output --partial '"e":""'
	run nk inspect "$P"
	[ "$(echo "$output" | jq -r '.[0].HostConfig.Annotations["org.example.k"]')" = v1 ]
	refused run --rm --annotation =v bb:1 true
}

@test "--stop-signal and --stop-timeout drive stop" {
	run nk run -d --name "$P" --stop-signal USR1 --stop-timeout 1 bb:1 \
		sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
	assert_success
	for _ in $(seq 50); do nk logs "$P" | grep -q ready && break; sleep 0.1; done
	# The trap keeps it running after USR1: SIGKILL after the 1 s timeout.
	run nk stop "$P"
	assert_success
	run nk logs "$P"
	assert_line got-usr1
	run nk wait "$P"
	assert_output 137
	refused run --rm --stop-signal SIGNOPE bb:1 true
	refused run --rm --stop-timeout soon bb:1 true
}

@test "--timeout: the monitor kills a container that runs longer" {
	run nk run --name "$P" --timeout 1 bb:1 sleep 1000
	assert_failure 137
	run nk inspect "$P"
	[ "$(echo "$output" | jq -r '.[0].State.ExitCode')" = 137 ]
	run nk run -d --name "$P-2" --timeout 1 bb:1 sleep 1000
	assert_success
	run nk wait "$P-2"
	assert_output 137
	# A short job is not affected.
	run nk run --rm --timeout 100 bb:1 echo ok
	assert_success
	assert_output ok
	refused run --rm --timeout -1 bb:1 true
}

# The container waits for $BATS_TEST_TMPDIR/w/go; a TERM it gets ends it
# with 7.  Our TERM goes to the client only.
sig_proxy_run() {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	rm -f "$BATS_TEST_TMPDIR/w/go"
	"$NOOK" --storage-root "$SR" --root "$ROOT" run --name "$1" "${@:2}" \
		-v "$BATS_TEST_TMPDIR/w:/w" bb:1 \
		sh -c 'trap "echo got-term; exit 7" TERM; echo ready; while [ ! -e /w/go ]; do sleep 0.1; done; echo done' \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	client=$!
	for _ in $(seq 100); do nk logs "$1" 2>/dev/null | grep -q ready && break; sleep 0.1; done
	kill -TERM "$client"
	wait "$client" && client_rc=0 || client_rc=$?
	touch "$BATS_TEST_TMPDIR/w/go"
}

@test "--sig-proxy=false: the client's signals stay with the client" {
	sig_proxy_run "$P" --sig-proxy=false
	[ "$client_rc" = 143 ]
	run nk wait "$P"
	assert_output 0
	run nk logs "$P"
	assert_line done
	refute_line got-term
	# The default forwards them.
	sig_proxy_run "$P-2"
	[ "$client_rc" = 7 ]
	run nk logs "$P-2"
	assert_line got-term
	refused run --rm --sig-proxy=maybe bb:1 true
}

@test "--ulimit sets the container's rlimits" {
	run nk run --rm --ulimit nofile=100:200 --ulimit nproc=50 bb:1 cat /proc/self/limits
	assert_success
	assert_line --regexp '^Max open files +100 +200 +files'
	assert_line --regexp '^Max processes +50 +50 +processes'
	refused run --rm --ulimit nofile=200:100 bb:1 true
	assert_output --partial "soft limit is above"
	refused run --rm --ulimit bogus=1 bb:1 true
	refused run --rm --ulimit nofile bb:1 true
}

@test "--security-opt seccomp=FILE: a docker-format profile, includes by capability" {
	f=$BATS_TEST_TMPDIR/profile.json
	cat >"$f" <<-'EOF'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
	             {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
	 "syscalls": [
	  {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
	  {"names": ["chdir"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
	  {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]}
	EOF
	run nk run --rm --security-opt seccomp="$f" bb:1 sh -c 'mkdir /tmp/x; cd /tmp && echo cd-ok; rmdir /tmp || echo rmdir-denied'
	assert_line --partial "can't create directory '/tmp/x': Operation not permitted"
	assert_line cd-ok
	assert_line rmdir-denied
	# With CAP_SYS_ADMIN the includes rule exists and the excludes one not.
	run nk run --rm --cap-add SYS_ADMIN --security-opt seccomp="$f" bb:1 sh -c 'cd /tmp && echo cd-ok; rmdir /tmp/nonexistent 2>&1'
	refute_line cd-ok
	assert_output --partial "No such file"
	# The runtime's cache holds the compiled filter by hash.
	compgen -G "$ROOT/.seccomp*" >/dev/null
}

@test "--security-opt seccomp=FILE: bad profiles refused at create" {
	refused run --rm --security-opt seccomp="$BATS_TEST_TMPDIR/none.json" bb:1 true
	echo '{"defaultAction": "SCMP_ACT_BOGUS"}' >"$BATS_TEST_TMPDIR/b1.json"
	refused create --security-opt seccomp="$BATS_TEST_TMPDIR/b1.json" bb:1 true
	assert_output --partial SCMP_ACT_BOGUS
	echo 'not json' >"$BATS_TEST_TMPDIR/b2.json"
	refused run --rm --security-opt seccomp="$BATS_TEST_TMPDIR/b2.json" bb:1 true
	echo '{"syscalls": []}' >"$BATS_TEST_TMPDIR/b3.json"
	refused run --rm --security-opt seccomp="$BATS_TEST_TMPDIR/b3.json" bb:1 true
	assert_output --partial defaultAction
}

@test "--tmpfs: a tmpfs with docker's defaults and the options given" {
	run nk run --rm --tmpfs /scratch:size=1m,mode=700 bb:1 sh -c \
		'grep " /scratch " /proc/self/mountinfo; stat -c %a /scratch'
	assert_success
	assert_line --regexp ' /scratch rw,nosuid,nodev,noexec,[a-z]+ - tmpfs tmpfs rw,size=1024k,mode=700'
	assert_line 700
	refused run --rm --tmpfs relative bb:1 true
	refused run --rm --tmpfs /x:size=1m,bogus bb:1 true
	assert_output --partial "'bogus'"
	refused run --rm --tmpfs / bb:1 true
}

@test "--mount type=bind and type=tmpfs" {
	d=$BATS_TEST_TMPDIR/host
	mkdir -p "$d"
	echo on-host >"$d/f"
	run nk run --rm --mount type=bind,source="$d",target=/data,readonly \
		--mount type=tmpfs,dst=/t,tmpfs-size=2m,tmpfs-mode=1777 bb:1 sh -c \
		'cat /data/f; touch /data/g 2>&1; grep -E " /(data|t) " /proc/self/mountinfo; stat -c %a /t'
	assert_success
	assert_line on-host
	assert_line --partial "Read-only file system"
	assert_line --regexp ' /data ro,'
	assert_line --regexp ' /t rw,nosuid,nodev,noexec,.* tmpfs tmpfs rw,size=2048k'
	assert_line 1777
	[ ! -e "$d/g" ]
	run nk run --rm --mount type=bind,src="$d",dst=/data bb:1 sh -c 'echo in >/data/g'
	assert_success
	[ "$(cat "$d/g")" = in ]
}

@test "--mount: malformed specifications, one line each" {
	d=$BATS_TEST_TMPDIR
	for m in "dst=/x" "type=nfs,dst=/x" "type=bind,dst=/x" "type=bind,src=relative,dst=/x" \
		"type=bind,src=$d" "type=bind,src=$d,dst=/x,bogus=1" "type=bind,src=$d/none,dst=/x" \
		"type=tmpfs,dst=/x,tmpfs-size=lots" "type=tmpfs,dst=/x,src=$d" \
		"type=bind,src=$d,dst=/x,ro=maybe" "type=bind,src=$d,dst=/x,bind-propagation=odd" \
		"type=tmpfs,dst=/x,tmpfs-mode=999" "type=bind,type=tmpfs,dst=/x"; do
		refused run --rm --mount "$m" bb:1 true
		assert_output --partial "invalid --mount"
	done
}

@test "limits the host cannot apply: one line, nothing left behind" {
	local before after
	before=$(ls /sys/fs/cgroup/unified/nook 2>/dev/null | sort)
	# This host's cgroup v2 has no controllers and the v1 backend is off.
	for opt in "-m 64m" "--memory-reservation 64m" "--cpus 0.5" "--cpu-shares 512" \
		"--cpuset-cpus 0" "--pids-limit 10"; do
		# shellcheck disable=SC2086
		refused run --rm --name "$P" $opt bb:1 true
		assert_output --partial "cannot apply"
		# shellcheck disable=SC2086
		refused create --name "$P" $opt bb:1 true
	done
	engine_assert_clean
	# No cgroup made for the probe is left (named by the container id).
	after=$(ls /sys/fs/cgroup/unified/nook 2>/dev/null | sort)
	left=$(comm -13 <(echo "$before") <(echo "$after") | grep -E '^[0-9a-f]{64}$' || true)
	[ -z "$left" ] || { echo "cgroups left: $left"; return 1; }
}

@test "limits: malformed values refused before anything is made" {
	for opt in "-m lots" "-m 1k" "--memory-swap 1g" "--cpus 0" "--cpus 1.x" "--cpus 100000" \
		"--cpu-shares -1" "--cpuset-cpus 0-" "--cpuset-cpus a" "--pids-limit -5" \
		"-m 64m --memory-swap 32m" "-m 64m --memory-reservation 128m"; do
		# shellcheck disable=SC2086
		refused run --rm $opt bb:1 true
	done
}

@test "--init: PID 1 is not the command; the exit code passes through" {
	run nk run --rm --init bb:1 sh -c 'echo pid=$$; exit 42'
	assert_failure 42
	assert_output pid=2
	run nk run --rm bb:1 sh -c 'echo pid=$$'
	assert_output pid=1
	run nk run --rm --init bb:1 sh -c 'kill -USR1 $$'
	assert_failure 138
	run -127 nk run --rm --init bb:1 /no/such/cmd
	assert_failure 127
	[ "${#lines[@]}" = 1 ]
}

# The host pid of the container's PID 1.
init_pid() { nk inspect "$1" | jq -r '.[0].State.Pid'; }

# Zombies (state Z) in the pid namespace of host pid $1.
zombies() {
	local ns p
	ns=$(readlink "/proc/$1/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		awk '{ if ($3 == "Z") print $1 }' "$p/stat" 2>/dev/null
	done
}

@test "--init reaps an orphan that a double fork left; without it the zombie stays" {
	# The grandchild outlives the subshell (an orphan for PID 1), then
	# exits while PID 1 of a plain container is `sleep`, which never waits.
	cmd='(sleep 1 &); echo ready; exec sleep 1000'
	run nk run -d --name "$P" bb:1 sh -c "$cmd"
	assert_success
	run nk run -d --name "$P-i" --init bb:1 sh -c "$cmd"
	assert_success
	pid=$(init_pid "$P")
	pidi=$(init_pid "$P-i")
	for _ in $(seq 100); do [ -n "$(zombies "$pid")" ] && break; sleep 0.1; done
	[ -n "$(zombies "$pid")" ]
	# The orphan has exited in both by now; --init's PID 1 reaped it.
	for _ in $(seq 100); do [ -z "$(zombies "$pidi")" ] && break; sleep 0.1; done
	[ -z "$(zombies "$pidi")" ]
	[ "$(ps -o comm= --ppid "$pidi" | tr -d ' ')" = sleep ]
}

@test "--init forwards SIGTERM to the command (a plain PID 1 sh would ignore it)" {
	run nk run -d --name "$P" --init bb:1 sleep 1000
	assert_success
	run nk kill -s TERM "$P"
	assert_success
	run timeout 30 "$NOOK" --storage-root "$SR" --root "$ROOT" wait "$P"
	assert_output 143
	run nk run -d --name "$P-t" --init bb:1 sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	for _ in $(seq 50); do nk logs "$P-t" | grep -q ready && break; sleep 0.1; done
	nk kill -s TERM "$P-t"
	run timeout 30 "$NOOK" --storage-root "$SR" --root "$ROOT" wait "$P-t"
	assert_output 3
	run nk logs "$P-t"
	assert_line got-term
}

@test "volume create, ls, inspect, rm; bad input one line each" {
	run nk volume create "$P-v"
	assert_success
	assert_output "$P-v"
	run nk volume create "$P-v"
	assert_failure
	assert_output --partial "already exists"
	[ "${#lines[@]}" = 1 ]
	run nk volume ls
	assert_line --regexp "^local +$P-v\$"
	run nk volume inspect "$P-v"
	assert_success
	[ "$(echo "$output" | jq -r '.[0].Mountpoint')" = "$SR/volumes/$P-v/_data" ]
	[ -d "$SR/volumes/$P-v/_data" ]
	run nk volume create "../evil"
	assert_failure
	[ "${#lines[@]}" = 1 ]
	[ ! -e "$SR/evil" ]
	run nk volume rm "$P-v"
	assert_success
	[ ! -e "$SR/volumes/$P-v" ]
	run nk volume rm "$P-v"
	assert_failure
	assert_output --partial "no such volume"
	run nk volume rm -f "$P-v"
	assert_success
	run nk volume inspect "$P-v"
	assert_failure
	# Without a name: a generated one.
	run nk volume create
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	nk volume rm "$output"
}

@test "-v NAME:/path: a named volume (made when missing) shared across containers, :ro" {
	run nk run --rm -v "$P-v:/data" bb:1 sh -c 'echo kept >/data/f; grep " /data " /proc/self/mountinfo'
	assert_success
	assert_output --partial "/volumes/$P-v/_data /data rw,"
	[ "$(cat "$SR/volumes/$P-v/_data/f")" = kept ]
	run nk run --rm -v "$P-v:/other:ro" bb:1 sh -c 'cat /other/f; touch /other/g 2>&1'
	assert_line kept
	assert_line --partial "Read-only file system"
	# --mount type=volume too.
	run nk run --rm --mount "type=volume,src=$P-v,dst=/m,readonly" bb:1 cat /m/f
	assert_output kept
	nk volume rm "$P-v"
}

@test "a volume in use cannot be removed, also by a stopped container" {
	nk volume create "$P-v" >/dev/null
	nk create --name "$P" -v "$P-v:/data" bb:1 true >/dev/null
	run nk volume rm "$P-v"
	assert_failure
	assert_output --partial "in use"
	[ -d "$SR/volumes/$P-v/_data" ]
	run nk volume prune -a -f
	refute_output --partial "$P-v"
	[ -d "$SR/volumes/$P-v/_data" ]
	nk rm "$P" >/dev/null
	run nk volume rm "$P-v"
	assert_success
}

@test "anonymous volumes: -v /path and --mount type=volume; rm -v removes them, rm keeps them" {
	nk run -d --name "$P" -v /anon --mount type=volume,dst=/anon2 bb:1 \
		sh -c 'echo a >/anon/f; echo b >/anon2/f; sleep 1000' >/dev/null
	run nk volume ls -q
	[ "${#lines[@]}" = 2 ]
	for v in "${lines[@]}"; do
		[[ $v =~ ^[0-9a-f]{64}$ ]]
		nk volume inspect "$v" | jq -e '.[0].Anonymous'
	done
	nk rm -f -v "$P" >/dev/null
	run nk volume ls -q
	assert_output ""
	nk run -d --name "$P" -v /anon bb:1 sleep 1000 >/dev/null
	nk rm -f "$P" >/dev/null
	run nk volume ls -q
	[ "${#lines[@]}" = 1 ]
	run nk volume prune
	assert_output "${lines[0]}"
	# --rm removes the anonymous ones, as docker.
	run nk run --rm -v /anon bb:1 true
	run nk volume ls -q
	assert_output ""
}

@test "volume prune: unused anonymous volumes only; -a named ones too; none in use, running or not (docker 23+)" {
	nk volume create "$P-named" >/dev/null
	gen=$(nk volume create)
	nk run --name "$P-a" -v /anon bb:1 true >/dev/null
	anon=$(nk volume ls -q | grep -v -e "^$P-named\$" -e "^$gen\$")
	nk rm "$P-a" >/dev/null
	# A stopped container with a named and an anonymous volume, a
	# running one with another named one.
	nk create --name "$P-s" -v "$P-stopped:/n" -v /anon2 bb:1 true >/dev/null
	nk run -d --name "$P-r" -v "$P-running:/n" bb:1 sleep 1000 >/dev/null
	anon2=$(nk inspect "$P-s" | jq -r '.[0].Mounts[] | select(.Destination == "/anon2") | .Name')
	[ -d "$SR/volumes/$anon/_data" ]
	run nk volume prune -f
	assert_success
	assert_output "$anon"
	[ ! -e "$SR/volumes/$anon" ]
	run nk volume ls -q
	[ "${#lines[@]}" = 5 ]
	for v in "$P-named" "$gen" "$P-stopped" "$P-running" "$anon2"; do
		assert_line "$v"
		[ -d "$SR/volumes/$v/_data" ]
	done
	# -a: the unused named ones too (also one created without a name),
	# never one a container has, running or not.
	run nk volume prune -a -f
	assert_success
	assert_line "$P-named"
	assert_line "$gen"
	[ "${#lines[@]}" = 2 ]
	run nk volume ls -q
	[ "${#lines[@]}" = 3 ]
	for v in "$P-stopped" "$P-running" "$anon2"; do
		assert_line "$v"
		[ -d "$SR/volumes/$v/_data" ]
	done
	nk rm -f "$P-r" "$P-s" >/dev/null
	run nk volume prune -f
	assert_output "$anon2"
	run nk volume prune --filter all=true -f
	assert_line "$P-stopped"
	assert_line "$P-running"
	run nk volume ls -q
	assert_output ""
}

@test "volume create --label; volume prune --filter label=, label!= (docker's)" {
	nk volume create --label keep=yes --label team=a "$P-k" >/dev/null
	nk volume create --label keep=no --label team=a "$P-n" >/dev/null
	nk volume create --label team "$P-t" >/dev/null
	nk volume create "$P-plain" >/dev/null
	run nk volume inspect "$P-k"
	[ "$(echo "$output" | jq -c '.[0].Labels')" = '{"keep":"yes","team":"a"}' ]
	[ "$(nk volume inspect "$P-t" | jq -c '.[0].Labels')" = '{"team":""}' ]
	[ "$(nk volume inspect "$P-plain" | jq -c '.[0].Labels')" = '{}' ]
	# Named volumes: a filter alone does not take them.
	run nk volume prune -f --filter label=team
	assert_output ""
	run nk volume prune -a -f --filter label=keep=no
	assert_output "$P-n"
	[ ! -e "$SR/volumes/$P-n" ]
	run nk volume prune -a -f --filter label=team --filter label!=keep=yes
	assert_output "$P-t"
	run nk volume prune -a -f --filter label!=team
	assert_output "$P-plain"
	run nk volume ls -q
	assert_output "$P-k"
	# Bad filters and labels: one line, nothing removed.
	for f in name=x label= "label!=" all=maybe; do
		run nk volume prune -a -f --filter "$f"
		assert_failure 2
		[ "${#lines[@]}" = 1 ]
	done
	run nk volume create --label "=v" "$P-bad"
	assert_failure 2
	[ "${#lines[@]}" = 1 ]
	run nk volume ls -q
	assert_output "$P-k"
	nk volume rm "$P-k" >/dev/null
}

@test "volume ls --filter dangling=, label=, name=, driver= (docker's)" {
	nk volume create --label team=a "$P-used" >/dev/null
	nk volume create --label team=b "$P-free" >/dev/null
	nk volume create "$P-other" >/dev/null
	nk create --name "$P" -v "$P-used:/data" bb:1 true >/dev/null
	run nk volume ls -q --filter dangling=true
	assert_output "$P-free
$P-other"
	run nk volume ls -q --filter dangling=false
	assert_output "$P-used"
	run nk volume ls -q --filter label=team
	assert_output "$P-used
$P-free"
	run nk volume ls -q --filter label=team=b
	assert_output "$P-free"
	# name= matches a part of the name; two of them, either.
	run nk volume ls -q --filter name=-oth --filter name=-fr
	assert_output "$P-free
$P-other"
	run nk volume ls -q --filter driver=local --filter dangling=false
	assert_output "$P-used"
	run nk volume ls -q --filter driver=nfs
	assert_output ""
	run nk volume ls --filter label=team=a
	assert_line --index 0 --regexp '^DRIVER +VOLUME NAME$'
	assert_line --index 1 --regexp "^local +$P-used\$"
	for f in dangling=maybe label= color=red; do
		run nk volume ls --filter "$f"
		assert_failure 2
		[ "${#lines[@]}" = 1 ]
	done
	nk rm "$P" >/dev/null
	nk volume rm "$P-used" "$P-free" "$P-other" >/dev/null
}

@test "the image's Volumes: an anonymous volume each, filled from the image on first use" {
	r=$BATS_TEST_TMPDIR/root
	cp -a "$BATS_FILE_TMPDIR/rootfs" "$r"
	mkdir -p "$r/data/sub"
	echo seed >"$r/data/sub/f"
	chmod 0710 "$r/data"
	tar -C "$r" -cf "$BATS_TEST_TMPDIR/img.tar" .
	IMG_USER=0:0 python3 "$BATS_TEST_DIRNAME/image_helpers.py" layout-patch "$BATS_TEST_TMPDIR/img" \
		config config.Volumes '{"/data": {}}' "$BATS_TEST_TMPDIR/img.tar"
	"$NOOK" --storage-root "$SR" load -q -i "$BATS_TEST_TMPDIR/img" >/dev/null
	run nk run --name "$P" bad/x:1 -c 'cat /data/sub/f; stat -c %a /data; echo new >/data/g; grep " /data " /proc/self/mountinfo'
	assert_line seed
	assert_line 710
	assert_line --partial "/volumes/"
	v=$(nk volume ls -q)
	[ "$(cat "$SR/volumes/$v/_data/sub/f")" = seed ]
	[ "$(cat "$SR/volumes/$v/_data/g")" = new ]
	# A named volume there: filled when empty, left alone when not.
	run nk run --rm -v "$P-v:/data" bad/x:1 -c 'cat /data/sub/f; echo mine >/data/sub/f'
	assert_output seed
	run nk run --rm -v "$P-v:/data" bad/x:1 -c 'cat /data/sub/f'
	assert_output mine
	# A bind over it: no anonymous volume.
	run nk run --rm -v "$BATS_TEST_TMPDIR:/data" bad/x:1 -c 'true'
	[ "$(nk volume ls -q | wc -l)" = 2 ]
	nk rm -v "$P" >/dev/null
	nk volume rm "$P-v" >/dev/null
	"$NOOK" --storage-root "$SR" rmi bad/x:1 >/dev/null
}

@test "volume names and specifications: malformed ones refused before anything is made" {
	refused run --rm -v "bad name:/x" bb:1 true
	refused run --rm -v "vol:relative" bb:1 true
	refused run --rm -v "vol:/x:rx" bb:1 true
	refused run --rm -v "relative" bb:1 true
	refused run --rm --mount "type=volume,src=/abs,dst=/x" bb:1 true
	refused run --rm --mount "type=volume,src=v1,dst=/x,tmpfs-size=1m" bb:1 true
	run nk volume ls -q
	assert_output ""
}

@test "concurrent volume create of one name: exactly one wins" {
	for i in 1 2 3 4 5 6; do
		"$NOOK" --storage-root "$SR" volume create "$P-v" >"$BATS_TEST_TMPDIR/out$i" 2>&1 &
	done
	wait || true
	[ "$(grep -lx "$P-v" "$BATS_TEST_TMPDIR"/out* | wc -l)" = 1 ]
	[ "$(grep -l "already exists" "$BATS_TEST_TMPDIR"/out* | wc -l)" = 5 ]
	nk volume rm "$P-v" >/dev/null
}
