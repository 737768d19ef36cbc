#!/usr/bin/env bats
# nook pull / push against a real registry: Debian's docker-registry,
# started here on 127.0.0.1 at a free port with a config and storage dir
# of our own, and skopeo as the other client.  Nothing but 127.0.0.1 is
# ever contacted.
load image_common

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The registry's storage file of blob $1 (sha256:<hex>).
reg_blob() {
	local hex=${1#sha256:}
	echo "$REG_DIR/plain/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# A two-layer busybox image as an OCI layout at $1.
mk_image() {
	local d=$1 w
	w=$(mktemp -d "$REG_DIR/img.XXXXXX")
	mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/l2"
	cp /bin/busybox "$w/rootfs/bin/busybox"
	ln -s busybox "$w/rootfs/bin/sh"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$w/rootfs/etc/passwd"
	echo "${2:-hello}" >"$w/l2/hello"
	tar -C "$w/rootfs" -czf "$w/l1.tar.gz" .
	tar -C "$w/l2" -czf "$w/l2.tar.gz" .
	python3 "$BATS_TEST_DIRNAME/image_helpers.py" layout "$d" - "$w/l1.tar.gz" "$w/l2.tar.gz"
}

# start_registry NAME ADDR URL CODE [YAML]: a docker-registry instance on
# ADDR with its config and storage under $REG_DIR/NAME (its log there too)
# and the extra YAML (http: keys indented by two, then other sections);
# waits until URL answers CODE.  Stopped by its PID in teardown_file.
start_registry() {
	local name=$1 addr=$2 url=$3 code=$4 extra=${5:-} d="$REG_DIR/$1"
	mkdir -p "$d/data"
	cat >"$d/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $d/data
  delete:
    enabled: true
http:
  addr: $addr
$extra
EOF
	docker-registry serve "$d/config.yml" >"$d/log" 2>&1 &
	echo $! >"$REG_DIR/$name.pid"
	for _ in $(seq 100); do
		[ "$(curl -sk -o /dev/null -w '%{http_code}' "$url")" = "$code" ] && return 0
		sleep 0.1
	done
	return 1
}

setup_file() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v docker-registry >/dev/null || skip "docker-registry not installed"
	command -v skopeo >/dev/null || skip "skopeo not installed"
	export REG_DIR="$BATS_FILE_TMPDIR/registry"
	mkdir -p "$REG_DIR"
	export REG="127.0.0.1:$(free_port)"
	# Catalog pages of two repositories: search must follow the Link.
	start_registry plain "$REG" "http://$REG/v2/" 200 "catalog:
  maxentries: 2"
	mk_image "$REG_DIR/img"
	skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/img" "docker://$REG/x:1"
	mk_image "$REG_DIR/img2" corrupt-me
	skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/img2" "docker://$REG/bad:1"
	mk_static
	# A second instance asking for basic auth (htpasswd, bcrypt): alice/s3cret.
	mkdir -p "$REG_DIR/auth"
	echo "alice:$(python3 -W ignore -c 'import crypt; print(crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))')" >"$REG_DIR/auth/htpasswd"
	export REG2="127.0.0.1:$(free_port)"
	start_registry auth "$REG2" "http://$REG2/v2/" 401 "auth:
  htpasswd:
    realm: nook-test
    path: $REG_DIR/auth/htpasswd"
	# A third serving TLS only, with a self-signed certificate: the
	# loopback is an insecure registry (as for docker), spoken to over TLS
	# when it has it.
	mkdir -p "$REG_DIR/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-keyout "$REG_DIR/tls/key.pem" -out "$REG_DIR/tls/cert.pem" >/dev/null 2>&1
	export REG3="127.0.0.1:$(free_port)"
	start_registry tls "$REG3" "https://$REG3/v2/" 200 "  tls:
    certificate: $REG_DIR/tls/cert.pem
    key: $REG_DIR/tls/key.pem"
}

# A registry of static files (python's http.server) for what docker-registry
# will not serve: a schema 1 manifest, a two-platform index made of the
# layouts img (linux/amd64) and img2 (linux/arm64), a huge manifest.
mk_static() {
	local w="$REG_DIR/static"
	python3 - "$REG_DIR" "$w" <<'PY'
import json, os, shutil, sys
reg, w = sys.argv[1:]
def repo(name):
    for d in ("manifests", "blobs"):
        os.makedirs(f"{w}/v2/{name}/{d}", exist_ok=True)
    return f"{w}/v2/{name}"
r = repo("s1")
open(r + "/manifests/1", "w").write(json.dumps({"schemaVersion": 1, "name": "s1", "tag": "1",
    "architecture": "amd64", "fsLayers": [], "history": []}))
r = repo("big")
open(r + "/manifests/1", "w").write(" " * (5 << 20) + "{}")
r = repo("multi")
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": []}
for img, arch in (("img", "amd64"), ("img2", "arm64")):
    lay = f"{reg}/{img}"
    d = json.load(open(lay + "/index.json"))["manifests"][0]
    for b in os.listdir(lay + "/blobs/sha256"):
        shutil.copy(f"{lay}/blobs/sha256/{b}", f"{r}/blobs/sha256:{b}")
        shutil.copy(f"{lay}/blobs/sha256/{b}", f"{r}/manifests/sha256:{b}")
    index["manifests"].append({"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"],
                               "platform": {"os": "linux", "architecture": arch}})
open(r + "/manifests/1", "w").write(json.dumps(index))
# "cut": the image of layout img, whose big blobs the server cuts off
# half-way unless asked for a range (static.py).
# "slow": the same, its big blobs sent in eight pieces a fifth of a second
# apart (progress has something to show).
for name in ("cut", "slow"):
    r = repo(name)
    lay = f"{reg}/img"
    d = json.load(open(lay + "/index.json"))["manifests"][0]
    for b in os.listdir(lay + "/blobs/sha256"):
        shutil.copy(f"{lay}/blobs/sha256/{b}", f"{r}/blobs/sha256:{b}")
    shutil.copy(f"{lay}/blobs/sha256/{d['digest'][7:]}", f"{r}/manifests/1")
PY
	export STATIC_PORT
	STATIC_PORT=$(free_port)
	export STATIC="127.0.0.1:$STATIC_PORT"
	cat >"$REG_DIR/static.py" <<'PY'
# Static files, except that repositories named tok* ask for a bearer token
# from /token (WWW-Authenticate: Bearer, as Docker Hub does); the token for
# tokpriv is only given for basic auth alice:s3cret.
import base64, http.server, json, sys, time
port, root = int(sys.argv[1]), sys.argv[2]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=root, **kw)
    def log_message(self, *a):
        pass
    def send_json(self, code, obj, hdrs=()):
        b = json.dumps(obj).encode()
        self.send_response(code)
        for k, v in hdrs:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        if self.path.startswith("/token?"):
            priv = "repository:tokpriv:pull" in self.path
            good = "Basic " + base64.b64encode(b"alice:s3cret").decode()
            if priv and self.headers.get("Authorization") != good:
                return self.send_json(401, {"details": "bad credentials"})
            return self.send_json(200, {"token": "T-" + ("priv" if priv else "anon")})
        parts = self.path.split("/")
        if len(parts) > 2 and parts[2].startswith("tok"):
            repo = parts[2]
            want = "Bearer T-" + ("priv" if repo == "tokpriv" else "anon")
            if self.headers.get("Authorization") != want:
                chal = 'Bearer realm="http://127.0.0.1:%d/token",service="static",scope="repository:%s:pull"' % (port, repo)
                return self.send_json(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                                      [("WWW-Authenticate", chal)])
            self.path = "/v2/multi/" + "/".join(parts[3:])
        if self.path.startswith("/v2/cut/blobs/"):
            return self.cut_blob()
        if self.path.startswith("/v2/slow/blobs/"):
            return self.slow_blob()
        return super().do_GET()
    def slow_blob(self):
        data = open(root + self.path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        n = len(data) // 8 + 1
        for i in range(0, len(data), n):
            self.wfile.write(data[i:i + n])
            self.wfile.flush()
            if len(data) > 65536:
                time.sleep(0.2)
    def cut_blob(self):
        # A blob of more than 64 KiB: half of it, then the connection
        # drops; with a Range, the rest (206).  Every request logged.
        data = open(root + self.path, "rb").read()
        rng = self.headers.get("Range")
        start = int(rng[6:].split("-")[0]) if rng else 0
        body = data[start:]
        if not rng and len(data) > 65536:
            body = data[:len(data) // 2]
        with open(root + "/../cut.log", "a") as f:
            f.write("%s %s %d\n" % (self.path.split("/")[-1], rng or "-", len(body)))
        self.send_response(206 if rng else 200)
        self.send_header("Content-Length", str(len(data) - start))
        if rng:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
	python3 "$REG_DIR/static.py" "$STATIC_PORT" "$w" >"$REG_DIR/static.log" 2>&1 &
	echo $! >"$REG_DIR/static.pid"
	for _ in $(seq 100); do
		curl -sf "http://$STATIC/v2/s1/manifests/1" >/dev/null && break
		sleep 0.1
	done
}

# The config digest of layout $1's image.
layout_config() {
	local m
	m=$(jq -r '.manifests[0].digest' "$1/index.json")
	jq -r .config.digest "$1/blobs/sha256/${m#sha256:}"
}

teardown_file() {
	local f
	for f in "$REG_DIR"/*.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		wait "$(cat "$f")" 2>/dev/null || true
	done
}

setup() { img_setup; }
teardown() {
	local c
	if [ -d "${T:-/nonexistent}/state" ]; then
		for c in a b c d; do
			"$NOOK" --storage-root "$SR" --root "$T/state" rm -f "reg-$$-$c" >/dev/null 2>&1 || true
		done
	fi
	img_teardown
}

# A refused pull: one line, exit 1, nothing recorded or left behind.
assert_refused_cleanly() {
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_store_empty
	run nk system check
	[ "$status" -eq 0 ]
}

@test "pull from a registry: listed, runs, and a second pull downloads no layer" {
	run nk pull "$REG/x:1"
	[ "$status" -eq 0 ]
	[[ "$output" == "Pulled $REG/x:1: 2 layers, 2 downloaded"* ]]
	run nk images
	[[ "$output" == *"$REG/x "*" 1 "* ]]
	nk system check
	# The config the registry holds is the image's ID.
	cfg=$(skopeo inspect --raw --tls-verify=false "docker://$REG/x:1" | jq -r .config.digest)
	[ "$(nk images -q)" = "${cfg:7:12}" ]
	nk bundle "$REG/x:1" "$T/b"
	jq '.process.args = ["/bin/busybox", "cat", "/hello"]' "$T/b/config.json" >"$T/c.json"
	mv "$T/c.json" "$T/b/config.json"
	run "$NOOK" oci --root "$T/state" run --bundle "$T/b" "reg-$$-$BATS_TEST_NUMBER"
	"$NOOK" oci --root "$T/state" delete --force "reg-$$-$BATS_TEST_NUMBER" 2>/dev/null || true
	nk bundle --remove "$T/b"
	[ "$status" -eq 0 ]
	[ "$output" = "hello" ]
	# Again: no layer blob is fetched (the registry's access log says so).
	before=$(grep -c "GET /v2/x/blobs/" "$REG_DIR/plain/log")
	run nk pull "$REG/x:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 layers, 0 downloaded"* ]]
	after=$(grep -c "GET /v2/x/blobs/" "$REG_DIR/plain/log")
	[ "$after" -eq $((before + 1)) ] # the config only
}

@test "pull by digest, quiet: the image ID" {
	d=$(skopeo inspect --tls-verify=false "docker://$REG/x:1" | jq -r .Digest)
	run nk pull -q "$REG/x@$d"
	[ "$status" -eq 0 ]
	cfg=$(skopeo inspect --raw --tls-verify=false "docker://$REG/x:1" | jq -r .config.digest)
	[ "$output" = "$cfg" ]
}

@test "pull of an unknown repository: one line, store unchanged" {
	run nk pull "$REG/nosuch:1"
	[[ "$output" == "nook: cannot pull $REG/nosuch:1: "*unknown* ]]
	assert_refused_cleanly
}

@test "pull of an unknown tag: one line, store unchanged" {
	run nk pull "$REG/x:nosuch"
	[[ "$output" == "nook: cannot pull $REG/x:nosuch: manifest unknown"* ]]
	assert_refused_cleanly
}

@test "pull from a registry that is down: one line, store unchanged" {
	port=$(free_port) # nobody listens there
	run nk pull "127.0.0.1:$port/x:1"
	[[ "$output" == "nook: cannot pull 127.0.0.1:$port/x:1: cannot reach registry"* ]]
	assert_refused_cleanly
}

@test "pull of a blob whose content does not match its digest: refused, store unchanged" {
	layer=$(skopeo inspect --raw --tls-verify=false "docker://$REG/bad:1" | jq -r '.layers[1].digest')
	f=$(reg_blob "$layer")
	[ -f "$f" ]
	# Same size, other content.
	python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-1] ^= 0xff; open(p, "wb").write(b)' "$f"
	run nk pull "$REG/bad:1"
	[[ "$output" == "nook: blob $layer: content has digest sha256:"*", refusing it" ]]
	assert_refused_cleanly
}

@test "pull of a bad reference: one line" {
	run nk pull "$REG/UPPER:1"
	[ "$status" -eq 1 ]
	[[ "$output" == "nook: invalid reference format"* ]]
	run nk pull
	[ "$status" -eq 2 ]
}

@test "pull on a terminal: a progress line per layer" {
	command -v script || skip "script (util-linux) not installed"
	script -qec "$NOOK pull $REG/x:1 --storage-root $SR" /dev/null >"$T/tty"
	grep -q 'Layer sha256:[0-9a-f]*: downloading \[.*\] *[0-9]*%  .*  [0-9.]* MB/s' "$T/tty"
	# A layer that takes a while: its rate and the time left.
	script -qec "$NOOK pull $STATIC/slow:1 --storage-root $T/s2" /dev/null >"$T/tty2"
	grep -q 'Layer sha256:[0-9a-f]*: downloading \[.*\] *[0-9]*%  .*  [0-9.]* MB/s  ETA [0-9]*s' "$T/tty2"
	# Ends cleanly: the summary last, the cursor at the start of a line.
	[ "$(tail -c 1 "$T/tty" | od -An -c | tr -d ' ')" = '\n' ]
	tail -n 1 "$T/tty" | tr -d '\r' | grep -q "^Pulled $REG/x:1: "
	grep -q $'\r\e\\[KLayer sha256:[0-9a-f]*: .* done' "$T/tty"
	grep -q "Pulled $REG/x:1: 2 layers, 2 downloaded" "$T/tty"
}

@test "push a loaded image: skopeo gets the same config back, a second push uploads nothing" {
	mk_image "$T/img" pushed
	nk load -i "$T/img"
	id=$(nk images -a -q --format json | jq -r '.[0].Id')
	run nk push "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == "nook: cannot push image ID '$id' without a destination" ]]
	run nk push "$id" "$REG/pushed:1"
	[ "$status" -eq 0 ]
	[[ "$output" == "Pushed $REG/pushed:1: 3 blobs, 3 uploaded"* ]]
	cfg=$(skopeo inspect --raw --tls-verify=false "docker://$REG/pushed:1" | jq -r .config.digest)
	[ "$cfg" = "$id" ]
	skopeo copy -q --src-tls-verify=false "docker://$REG/pushed:1" "oci:$T/back:1"
	jq -r .manifests[0].digest "$T/back/index.json" >"$T/mdig"
	m=$(cat "$T/mdig")
	[ "$(jq -r .config.digest "$T/back/blobs/sha256/${m#sha256:}")" = "$id" ]
	# Everything is there now: only HEAD requests, no upload.
	nk tag "$id" "$REG/pushed:2"
	run nk push "$REG/pushed:2"
	[ "$status" -eq 0 ]
	[[ "$output" == "Pushed $REG/pushed:2: 3 blobs, 0 uploaded"* ]]
	# And nook pulls what it pushed, as the same image.
	SR="$T/store2" run nk pull -q "$REG/pushed:2"
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
}

@test "push to a registry that is down: one line, exit 1" {
	mk_image "$T/img"
	nk load -i "$T/img"
	id=$(nk images -a -q --format json | jq -r '.[0].Id')
	port=$(free_port)
	run nk push "$id" "127.0.0.1:$port/x:1"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: cannot push 127.0.0.1:$port/x:1: cannot reach registry"* ]]
	run nk push nosuch:1 "$REG/x:9"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "pull of an index picks the platform: linux/amd64 by default, --platform for another" {
	run nk pull -q "$STATIC/multi:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(layout_config "$REG_DIR/img")" ]
	run nk pull -q --platform linux/arm64 "$STATIC/multi:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(layout_config "$REG_DIR/img2")" ]
	# The tag names the last one pulled.
	[ "$(nk images -q)" = "$(echo "${output:7:12}")" ]
	run nk pull --platform linux/s390x "$STATIC/multi:1"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: $STATIC/multi:1: no image for linux/s390x" ]
}

@test "pull of a docker schema 1 manifest: refused with a clear line, store unchanged" {
	run nk pull "$STATIC/s1:1"
	[[ "$output" == "nook: $STATIC/s1:1: docker schema 1 manifests are not supported"* ]]
	assert_refused_cleanly
}

@test "pull of a manifest larger than 4 MiB: refused, store unchanged" {
	run nk pull "$STATIC/big:1"
	[[ "$output" == "nook: cannot pull $STATIC/big:1: "*"sent more than"* ]]
	assert_refused_cleanly
}

@test "login: a wrong password is refused and stores nothing" {
	export REGISTRY_AUTH_FILE="$T/auth/auth.json"
	run bash -c "echo wrong | '$NOOK' login -u alice --password-stdin '$REG2'"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: cannot log in to $REG2: wrong username or password" ]
	[ ! -e "$REGISTRY_AUTH_FILE" ]
}

@test "login writes podman's auth.json (0600); push and pull use it; logout forgets it" {
	export REGISTRY_AUTH_FILE="$T/auth/auth.json"
	mk_image "$T/img" private
	nk load -i "$T/img"
	id=$(nk images -a -q --format json | jq -r '.[0].Id')
	# Without credentials: one line, nothing pushed.
	run nk push "$id" "$REG2/priv:1"
	[ "$status" -eq 1 ]
	[[ "$output" == "nook: cannot push $REG2/priv:1: authentication required"* ]]
	echo s3cret | "$NOOK" login -u alice --password-stdin "$REG2"
	[ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
	[ "$(jq -r --arg r "$REG2" '.auths[$r].auth' "$REGISTRY_AUTH_FILE" | base64 -d)" = "alice:s3cret" ]
	run nk push "$id" "$REG2/priv:1"
	[ "$status" -eq 0 ]
	# skopeo reads the same file.
	cfg=$(skopeo inspect --raw --authfile "$REGISTRY_AUTH_FILE" --tls-verify=false "docker://$REG2/priv:1" | jq -r .config.digest)
	[ "$cfg" = "$id" ]
	SR="$T/store2" run nk pull -q "$REG2/priv:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
	run "$NOOK" logout "$REG2"
	[ "$status" -eq 0 ]
	[ "$(jq -r --arg r "$REG2" '.auths[$r]' "$REGISTRY_AUTH_FILE")" = null ]
	run "$NOOK" logout "$REG2"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: not logged in to $REG2" ]
	SR="$T/store3" run nk pull "$REG2/priv:1"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: cannot pull $REG2/priv:1: authentication required"* ]]
	SR="$T/store3" assert_store_empty
}

@test "a pull killed at each step: the next pull completes and the store is sound" {
	for step in pull-fetched load-staged load-moved-layers load-recorded; do
		run env NOOK_FAULT="$step" "$NOOK" pull "$REG/x:1" --storage-root "$SR"
		[ "$status" -eq 137 ] || {
			echo "not killed at $step: $status $output"
			return 1
		}
		[ -z "$(nk images -q)" ] # nothing recorded
		run nk pull "$REG/x:1"
		[ "$status" -eq 0 ]
		run nk system check
		[ "$status" -eq 0 ]
		nk rmi "$REG/x:1" >/dev/null
		nk image prune -f >/dev/null 2>&1 || true
	done
}

@test "token auth: an anonymous bearer token from the realm the registry names" {
	run nk pull -q "$STATIC/tokanon:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(layout_config "$REG_DIR/img")" ]
}

@test "token auth with credentials: refused without them, the token given for them" {
	export REGISTRY_AUTH_FILE="$T/auth.json"
	run nk pull "$STATIC/tokpriv:1"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: cannot pull $STATIC/tokpriv:1: $STATIC: token request refused (HTTP 401 from the token service)" ]
	assert_store_empty
	echo "{\"auths\": {\"$STATIC\": {\"auth\": \"$(printf alice:bad | base64)\"}}}" >"$REGISTRY_AUTH_FILE"
	run nk pull "$STATIC/tokpriv:1"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: cannot pull $STATIC/tokpriv:1: $STATIC: wrong username or password (HTTP 401 from the token service)" ]
	# As login would have stored them.
	echo "{\"auths\": {\"$STATIC\": {\"auth\": \"$(printf alice:s3cret | base64)\"}}}" >"$REGISTRY_AUTH_FILE"
	run nk pull -q "$STATIC/tokpriv:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(layout_config "$REG_DIR/img")" ]
}

@test "pull of a docker schema 2 manifest; push sends it back as it is" {
	skopeo copy -q --format v2s2 --dest-tls-verify=false "oci:$REG_DIR/img" "docker://$REG/v2s2:1"
	run nk pull -q "$REG/v2s2:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(layout_config "$REG_DIR/img")" ]
	nk push "$REG/v2s2:1" "$REG/v2s2back:1"
	run skopeo inspect --raw --tls-verify=false "docker://$REG/v2s2back:1"
	[ "$(echo "$output" | jq -r .mediaType)" = application/vnd.docker.distribution.manifest.v2+json ]
	[ "$(echo "$output" | jq -r .config.digest)" = "$(layout_config "$REG_DIR/img")" ]
}

@test "a TLS registry on the loopback: push and pull over TLS; --tls-verify takes true or false" {
	# Plain HTTP gets nowhere with this instance: what works went over TLS.
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$REG3/v2/")" = 400 ]
	mk_image "$T/img" tls
	nk load -i "$T/img"
	id=$(nk images -a -q --format json | jq -r '.[0].Id')
	run nk push "$id" "$REG3/t:1"
	[ "$status" -eq 0 ]
	SR="$T/store2" run nk pull -q --tls-verify=false "$REG3/t:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
	# The registry offers HTTP/2 over TLS (ALPN): the blobs came that way.
	grep -q '"GET /v2/t/blobs/sha256:[0-9a-f]* HTTP/2.0" 200 ' "$REG_DIR/tls/log"
	run nk pull --tls-verify=maybe "$REG3/t:1"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--tls-verify: expected true or false"* ]]
}

@test "search lists the catalog's repositories holding a term" {
	run "$NOOK" search "$REG"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$REG/x"* && "$output" == *"$REG/bad"* ]]
	run "$NOOK" search "$REG/ad"
	[ "$status" -eq 0 ]
	[ "$output" = "$REG/bad" ]
	run "$NOOK" search busybox
	[ "$status" -eq 1 ]
	[ "$output" = "nook: search needs a registry: REGISTRY[/TERM], not 'busybox'" ]
}

@test "push to another repository of the registry the image came from: blobs mounted, none uploaded" {
	nk pull "$REG/x:1"
	run nk push "$REG/x:1" "$REG/mounted:1"
	[ "$status" -eq 0 ]
	[[ "$output" == "Pushed $REG/mounted:1: 3 blobs, 0 uploaded (0B), 3 mounted from x, manifest sha256:"* ]]
	grep -q "POST /v2/mounted/blobs/uploads/?mount=sha256:[0-9a-f]*&from=x" "$REG_DIR/plain/log"
	[ "$(skopeo inspect --raw --tls-verify=false "docker://$REG/mounted:1" | jq -r .config.digest)" = \
		"$(layout_config "$REG_DIR/img")" ]
}

# mk_big DIR N MB: an OCI layout of N uncompressed layers of MB MiB of
# random bytes each (nothing to gain from compression: what is sent is
# what is counted).
mk_big() {
	local d=$1 n=$2 mb=$3 w i layers=()
	w=$(mktemp -d "$T/big.XXXXXX")
	for i in $(seq "$n"); do
		mkdir -p "$w/l$i"
		head -c "$((mb << 20))" /dev/urandom >"$w/l$i/data$i"
		tar -C "$w/l$i" -cf "$w/l$i.tar" .
		layers+=("$w/l$i.tar")
	done
	python3 "$BATS_TEST_DIRNAME/image_helpers.py" layout "$d" - "${layers[@]}"
	rm -rf "$w"
}

# The access log lines of the blob GETs of $1 (sha256:<hex>) after line $2.
blob_gets() {
	tail -n +"$(($2 + 1))" "$REG_DIR/plain/log" | grep "\"GET /v2/[a-z0-9]*/blobs/$1 "
}

@test "a pull killed mid-download resumes: three blobs in flight, only the rest fetched with Range" {
	mk_big "$T/big" 3 6
	skopeo copy -q --dest-tls-verify=false "oci:$T/big" "docker://$REG/big:1"
	run env NOOK_FAULT=pull-blob-data:350 "$NOOK" pull "$REG/big:1" --storage-root "$SR"
	[ "$status" -eq 137 ]
	[ -z "$(nk images -q)" ]
	# Killed with several layers begun at once (parallel), none complete
	# (the small config may be).
	declare -A had
	begun=0
	for f in "$SR"/tmp/.partial/*; do
		had[sha256:${f##*/}]=$(stat -c %s "$f")
		[ "${had[sha256:${f##*/}]}" -gt 0 ] && [ "${had[sha256:${f##*/}]}" -lt $((6 << 20)) ] &&
			begun=$((begun + 1))
	done
	[ "$begun" -ge 2 ]
	mark=$(wc -l <"$REG_DIR/plain/log")
	run nk pull "$REG/big:1"
	[ "$status" -eq 0 ]
	[[ "$output" == "Pulled $REG/big:1: 3 layers, 3 downloaded"* ]]
	nk system check
	[ ! -e "$SR/tmp/.partial" ]
	# Each begun blob was asked for from where it stopped and the registry
	# sent only the rest (status 206 and its size in the access log); a
	# complete one was not asked for again.
	for d in "${!had[@]}"; do
		size=$(stat -c %s "$(reg_blob "$d")")
		line=$(blob_gets "$d" "$mark" || true)
		if [ "${had[$d]}" -eq "$size" ]; then
			[ -z "$line" ]
			continue
		fi
		[ "$(echo "$line" | wc -l)" -eq 1 ]
		want="206 $((size - had[$d]))"
		[ "${had[$d]}" -gt 0 ] || want="200 $size"
		[[ "$line" == *"HTTP/1.1\" $want "* ]] || {
			echo "$d: had ${had[$d]} of $size: $line"
			return 1
		}
	done
}

@test "a resumed blob whose earlier bytes are wrong is fetched again whole, and verified" {
	mk_big "$T/big" 1 2
	skopeo copy -q --dest-tls-verify=false "oci:$T/big" "docker://$REG/big2:1"
	layer=$(skopeo inspect --raw --tls-verify=false "docker://$REG/big2:1" | jq -r '.layers[0].digest')
	# A partial file that is not a prefix of the blob.
	mkdir -p "$SR/tmp/.partial"
	head -c 100000 /dev/urandom >"$SR/tmp/.partial/${layer#sha256:}"
	mark=$(wc -l <"$REG_DIR/plain/log")
	run nk pull "$REG/big2:1"
	[ "$status" -eq 0 ]
	nk system check
	size=$(stat -c %s "$(reg_blob "$layer")")
	blob_gets "$layer" "$mark" >"$T/gets"
	grep -q '" 206 '$((size - 100000))' ' "$T/gets"
	grep -q '" 200 '"$size"' ' "$T/gets"
}

@test "search follows the catalog's pages (Link: rel=next)" {
	skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/img" "docker://$REG/zz-last:1"
	# The registry pages by two: the last repository is on a later page.
	[ "$(curl -s "http://$REG/v2/_catalog" | jq '.repositories | length')" -eq 2 ]
	curl -s -D - -o /dev/null "http://$REG/v2/_catalog" | grep -qi '^link: .*rel="next"'
	run "$NOOK" search "$REG/zz-"
	[ "$status" -eq 0 ]
	[ "$output" = "$REG/zz-last" ]
}

@test "pull --all-tags: every tag of the repository" {
	for t in a b c; do
		skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/img" "docker://$REG/tags:$t"
	done
	run nk pull --all-tags "$REG/tags"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	# In the registry's order; the layers came once.
	[[ "${lines[0]}" == "Pulled $REG/tags:"?": 2 layers, 2 downloaded"* ]]
	[[ "${lines[1]}" == "Pulled $REG/tags:"?": 2 layers, 0 downloaded"* ]]
	[[ "${lines[2]}" == "Pulled $REG/tags:"?": 2 layers, 0 downloaded"* ]]
	[ "$(nk images | awk 'NR > 1 {print $2}' | sort | tr '\n' ' ')" = "a b c " ]
	run nk pull --all-tags "$REG/tags:a"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--all-tags: give a repository without tag or digest"* ]]
}

@test "registries.conf: aliases, unqualified-search registries in order, short-name-mode, blocked, location" {
	down="127.0.0.1:$(free_port)"
	cat >"$T/reg.conf" <<CONF
# what podman reads, the parts nook uses
unqualified-search-registries = ["$down", "$REG"]
short-name-mode = "permissive"

[aliases]
"myx" = "$REG/x"

[[registry]]
prefix = "$REG/bad"
blocked = true

[[registry]]
prefix = "$down/moved"
location = "$REG/x"
CONF
	# An alias: its registry and repository, the tag given.
	run nk pull --registries-conf "$T/reg.conf" myx:1
	[ "$status" -eq 0 ]
	[[ "$output" == "Pulled $REG/x:1:"* ]]
	# A short name: the first search registry is down, the second has it.
	run nk pull --registries-conf "$T/reg.conf" x:1
	[ "$status" -eq 0 ]
	[[ "$output" == "Pulled $REG/x:1:"* ]]
	# The environment's file, as podman's CONTAINERS_REGISTRIES_CONF.
	CONTAINERS_REGISTRIES_CONF="$T/reg.conf" run nk pull -q x:1
	[ "$status" -eq 0 ]
	# A location: the name stays, the bytes come from the other place.
	run nk pull --registries-conf "$T/reg.conf" "$down/moved:1"
	[ "$status" -eq 0 ]
	[[ "$output" == "Pulled $down/moved:1:"* ]]
	run nk pull --registries-conf "$T/reg.conf" "$REG/bad:1"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: $REG/bad is blocked by $T/reg.conf" ]
	# Enforcing: two search registries and no alias is ambiguous.
	sed -i 's/permissive/enforcing/' "$T/reg.conf"
	run nk pull --registries-conf "$T/reg.conf" x:1
	[ "$status" -eq 1 ]
	[[ "$output" == "nook: short name 'x:1' is ambiguous"* ]]
	# A broken file is an error, not docker.io.
	echo 'unqualified-search-registries = "x"' >"$T/bad.conf"
	run nk pull --registries-conf "$T/bad.conf" x:1
	[ "$status" -eq 1 ]
	[[ "$output" == "nook: $T/bad.conf:1: unqualified-search-registries: expected a list" ]]
}

@test "create --pull=never|missing|always: the image fetched when asked" {
	eng() { "$NOOK" --storage-root "$SR" --root "$T/state" "$@"; }
	run eng create --pull=never --name "reg-$$-a" "$REG/x:1" true
	[ "$status" -ne 0 ]
	[ -z "$(nk images -q)" ]
	run eng create --pull=sometimes "$REG/x:1" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--pull: expected always, missing or never, not 'sometimes'" ]]
	mark=$(wc -l <"$REG_DIR/plain/log")
	# missing: pulled (its line on stderr), stdout only the container's ID.
	eng create --pull=missing --name "reg-$$-a" "$REG/x:1" true >"$T/out" 2>"$T/err"
	grep -q "^Pulled $REG/x:1: 2 layers, 2 downloaded" "$T/err"
	[ "$(wc -l <"$T/out")" -eq 1 ]
	[ -n "$(nk images -q)" ]
	# missing again, and the default: the registry is not asked.
	eng create --pull=missing --name "reg-$$-b" "$REG/x:1" true >/dev/null 2>&1
	eng create --name "reg-$$-c" "$REG/x:1" true >/dev/null 2>&1
	[ "$(tail -n +"$((mark + 1))" "$REG_DIR/plain/log" | grep -c "GET /v2/x/manifests/")" -eq 1 ]
	# always: the manifest is asked for again (no layer: the store has them).
	eng create --pull=always --name "reg-$$-d" "$REG/x:1" true >/dev/null 2>"$T/err"
	grep -q "2 layers, 0 downloaded" "$T/err"
	[ "$(tail -n +"$((mark + 1))" "$REG_DIR/plain/log" | grep -c "GET /v2/x/manifests/")" -eq 2 ]
	for c in a b c d; do eng rm -f "reg-$$-$c" >/dev/null; done
}

@test "certs.d: a registry's own CA and client certificate; insecure in registries.conf; one line for an untrusted certificate" {
	# A CA of the test signs the server's certificate for a name that is
	# not the loopback's (so TLS is verified), reached through
	# NOOK_REGISTRY_RESOLVE without any DNS; the registry asks for a
	# client certificate signed by the same CA.
	local c="$T/ca" name=nook-reg.localhost port
	mkdir -p "$c"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=nook-test-ca \
		-keyout "$c/ca.key" -out "$c/ca.crt" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$c/srv.key" -out "$c/srv.csr" >/dev/null 2>&1
	printf 'subjectAltName=DNS:%s\n' "$name" >"$c/ext"
	openssl x509 -req -in "$c/srv.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
		-days 2 -extfile "$c/ext" -out "$c/srv.crt" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout "$c/client.key" -out "$c/client.csr" >/dev/null 2>&1
	openssl x509 -req -in "$c/client.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" -CAcreateserial \
		-days 2 -out "$c/client.cert" >/dev/null 2>&1
	port=$(free_port)
	start_registry "certs-$BATS_TEST_NUMBER" "127.0.0.1:$port" "https://127.0.0.1:$port/v2/" 000 "  tls:
    certificate: $c/srv.crt
    key: $c/srv.key
    clientcas:
      - $c/ca.crt" || true # 000 at once: it wants a client certificate
	for _ in $(seq 100); do
		[ "$(curl -sk --cert "$c/client.cert" --key "$c/client.key" -o /dev/null -w '%{http_code}' \
			"https://127.0.0.1:$port/v2/")" = 200 ] && break
		sleep 0.1
	done
	export NOOK_REGISTRY_RESOLVE="$name:$port:127.0.0.1"
	export NOOK_CERTS_DIR="$T/certs.d"
	mkdir -p "$NOOK_CERTS_DIR/$name:$port"
	cp "$c/client.cert" "$c/client.key" "$NOOK_CERTS_DIR/$name:$port/"
	# Trusted by nothing yet: one line that says what to do.
	run nk pull "$name:$port/x:1"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: cannot pull $name:$port/x:1: $name:$port: TLS certificate not trusted"*"$NOOK_CERTS_DIR/$name:$port/ca.crt, or --tls-verify=false" ]]
	# Its CA in certs.d: push (client certificate sent) and pull verified.
	cp "$c/ca.crt" "$NOOK_CERTS_DIR/$name:$port/"
	nk load -i "$REG_DIR/img" >/dev/null
	id=$(nk images -a -q --format json | jq -r '.[0].Id')
	run nk push "$id" "$name:$port/x:1"
	[ "$status" -eq 0 ]
	SR="$T/store2" run nk pull -q "$name:$port/x:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(layout_config "$REG_DIR/img")" ]
	# Without the client certificate the registry refuses the handshake.
	rm "$NOOK_CERTS_DIR/$name:$port/client.cert" "$NOOK_CERTS_DIR/$name:$port/client.key"
	SR="$T/store3" run nk pull "$name:$port/x:1"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: cannot pull $name:$port/x:1: "*"$name:$port"* ]]
	# insecure = true in registries.conf: no CA needed (client cert back).
	cp "$c/client.cert" "$c/client.key" "$NOOK_CERTS_DIR/$name:$port/"
	rm "$NOOK_CERTS_DIR/$name:$port/ca.crt"
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$name:$port" >"$T/reg.conf"
	SR="$T/store4" run nk pull -q --registries-conf "$T/reg.conf" "$name:$port/x:1"
	[ "$status" -eq 0 ]
}

@test "the registry drops the connection mid-layer: one line, the part kept; the next pull fetches only the rest" {
	run nk pull "$STATIC/cut:1"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "nook: blob sha256:"*": $STATIC: transfer cut off: "* ]]
	[ -z "$(nk images -q)" ]
	# The cut blob's first half is kept (the small ones came whole).
	part=
	for f in "$SR"/tmp/.partial/*; do
		size=$(stat -c %s "$REG_DIR/static/v2/cut/blobs/sha256:${f##*/}")
		[ "$(stat -c %s "$f")" -lt "$size" ] && part=$f && break
	done
	[ -n "$part" ]
	have=$(stat -c %s "$part")
	[ "$have" -eq $((size / 2)) ]
	: >"$REG_DIR/cut.log"
	run nk pull -q "$STATIC/cut:1"
	[ "$status" -eq 0 ]
	[ "$output" = "$(layout_config "$REG_DIR/img")" ]
	nk system check
	# Asked for from where it stopped; sent only the rest.
	grep -qx "sha256:${part##*/} bytes=$have- $((size - have))" "$REG_DIR/cut.log"
}

@test "push --format v2s2|oci: the manifest converted, the same blobs and image ID" {
	nk load -i "$REG_DIR/img" >/dev/null
	id=$(nk images -a -q --format json | jq -r '.[0].Id')
	run nk push --format v2s2 "$id" "$REG/fmt:v2"
	[ "$status" -eq 0 ]
	skopeo inspect --raw --tls-verify=false "docker://$REG/fmt:v2" >"$T/m"
	[ "$(jq -r .mediaType "$T/m")" = application/vnd.docker.distribution.manifest.v2+json ]
	[ "$(jq -r .config.mediaType "$T/m")" = application/vnd.docker.container.image.v1+json ]
	[ "$(jq -r '.layers[].mediaType' "$T/m" | sort -u)" = application/vnd.docker.image.rootfs.diff.tar.gzip ]
	[ "$(jq -r .config.digest "$T/m")" = "$id" ]
	# The digest printed is the one the registry has.
	[[ "$output" == *", manifest sha256:$(sha256sum "$T/m" | cut -c1-64)" ]]
	# And back: pulled as docker schema 2, pushed as OCI.
	SR="$T/s2" run nk pull -q "$REG/fmt:v2"
	[ "$output" = "$id" ]
	SR="$T/s2" nk push --format oci "$REG/fmt:v2" "$REG/fmt:oci" >/dev/null
	skopeo inspect --raw --tls-verify=false "docker://$REG/fmt:oci" >"$T/m2"
	[ "$(jq -r .mediaType "$T/m2")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq -r .config.mediaType "$T/m2")" = application/vnd.oci.image.config.v1+json ]
	[ "$(jq -r .config.digest "$T/m2")" = "$id" ]
	run nk push --format docker "$id" "$REG/fmt:x"
	[ "$status" -eq 2 ]
	[[ "$output" == *'--format: expected oci or v2s2, not "docker"'* ]]
}

@test "a partial blob left for days is dropped by the next pull; a recent one is kept" {
	mkdir -p "$SR/tmp/.partial"
	old=$(printf '%064d' 1) new=$(printf '%064d' 2)
	echo stale >"$SR/tmp/.partial/$old"
	touch -d '4 days ago' "$SR/tmp/.partial/$old"
	echo recent >"$SR/tmp/.partial/$new"
	run nk pull -q "$REG/x:1"
	[ "$status" -eq 0 ]
	[ ! -e "$SR/tmp/.partial/$old" ]
	[ -f "$SR/tmp/.partial/$new" ]
}

@test "push follows registries.conf: a blocked destination is refused" {
	nk load -i "$REG_DIR/img" >/dev/null
	id=$(nk images -a -q --format json | jq -r '.[0].Id')
	printf '[[registry]]\nprefix = "%s/nopush"\nblocked = true\n' "$REG" >"$T/reg.conf"
	CONTAINERS_REGISTRIES_CONF="$T/reg.conf" run nk push "$id" "$REG/nopush:1"
	[ "$status" -eq 1 ]
	[ "$output" = "nook: $REG/nopush is blocked by $T/reg.conf" ]
	run skopeo inspect --raw --tls-verify=false "docker://$REG/nopush:1"
	[ "$status" -ne 0 ]
}

@test "pull from a host that does not resolve: one line, store unchanged" {
	command -v unshare >/dev/null || skip "unshare not installed"
	# In a network namespace of its own (loopback only, down) no DNS query
	# can leave the machine: the name simply does not resolve.
	run unshare -n "$NOOK" pull nosuch.example/x:1 --storage-root "$SR"
	[ "$output" = "nook: cannot pull nosuch.example/x:1: cannot reach registry nosuch.example: unknown host" ]
	assert_refused_cleanly
}

@test "two pulls of the same image at once into one store: both succeed, the store is sound" {
	mk_big "$T/big" 2 4
	skopeo copy -q --dest-tls-verify=false "oci:$T/big" "docker://$REG/twice:1"
	nk pull -q "$REG/twice:1" >"$T/o1" 2>&1 &
	p1=$!
	nk pull -q "$REG/twice:1" >"$T/o2" 2>&1 &
	p2=$!
	wait "$p1"
	wait "$p2"
	[ "$(cat "$T/o1")" = "$(cat "$T/o2")" ]
	nk system check
	[ ! -e "$SR/tmp/.partial" ] || [ -z "$(ls -A "$SR/tmp/.partial")" ]
}
