# Shared by bench.sh and bench-density.sh: podman (with crun) as the
# engine benches run it on this hybrid-cgroup host.
#
# A private containers.conf: network none (its default network would
# change the host's networking), pids_limit 0, and cgroups "disabled":
# podman then makes no cgroup at all, neither for conmon nor for the
# container ("no-conmon" would still give the container one, and on this
# host that is a v1 group, which is not ours to make).  nofile and nproc
# below the host's limits: root here lacks CAP_SYS_RESOURCE, and podman's
# defaults would raise them.  Run podman in a mount namespace without
# /sys/fs/cgroup/unified (crun 1.8 refuses the hybrid layout), with
# podman_env DIR (runroot on a tmpfs there: DIR/run must be mounted).

# podman_conf DIR: write DIR/containers.conf.
podman_conf() {
	mkdir -p "$1/run" "$1/tmp"
	cat >"$1/containers.conf" <<-CONF
		[containers]
		netns = "none"
		pids_limit = 0
		cgroups = "disabled"
		log_driver = "k8s-file"
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "cgroupfs"
		runtime = "crun"
		events_logger = "file"
	CONF
}

# The directories of the cgroup v1 hierarchies (compared before and after).
v1_groups() {
	find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -not -path '/sys/fs/cgroup/unified*' \
		2>/dev/null | sort
}
