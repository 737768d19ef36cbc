#!/usr/bin/env python3
"""Test helpers: build layer tarballs and OCI layouts / docker-save archives.
The image config's User is $IMG_USER (default "1:2").

  layout OUT NAME LAYER...     OCI layout dir (NAME: annotation, '-' for none)
  docker OUT.tar NAME LAYER... docker-save archive (legacy layout)
  layout-patch OUT DOC PATH JSON LAYER...
  docker-patch OUT.tar DOC PATH JSON LAYER...
      the same with one field of one document replaced by JSON before it
      is hashed (DOC: index, nested, manifest, config for a layout, whose
      manifest is then listed by a nested index when DOC is nested;
      manifest, config for docker).  PATH is dotted, numbers index arrays
      ("layers.0.size"); "." replaces the whole document.
"""
import gzip, hashlib, io, json, os, sys, tarfile


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def diff_id(blob):
    try:
        if blob[:2] == b"\x1f\x8b":
            return sha(gzip.decompress(blob))
    except Exception:
        return sha(b"broken")
    return sha(blob)


def media(blob):
    if blob[:2] == b"\x1f\x8b":
        return "application/vnd.oci.image.layer.v1.tar+gzip"
    return "application/vnd.oci.image.layer.v1.tar"


PATCH = {}


def patched(doc, obj):
    """obj with the PATCH for doc applied."""
    if doc not in PATCH:
        return obj
    path, value = PATCH[doc]
    if path == ".":
        return value
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    o = obj
    for k in keys[:-1]:
        o = o[k]
    o[keys[-1]] = value
    return obj


def config(blobs):
    return json.dumps(patched("config", {
        "created": "2024-01-02T03:04:05Z", "architecture": "amd64", "os": "linux",
        "config": {"Entrypoint": ["/bin/sh"], "Cmd": ["-c", "echo hi"],
                   "Env": ["PATH=/bin", "FOO=bar"], "WorkingDir": "/tmp",
                   "User": os.environ.get("IMG_USER", "1:2")},
        "rootfs": {"type": "layers", "diff_ids": [diff_id(b) for b in blobs]},
    })).encode()


def layout(out, name, layers):
    blobs = [open(l, "rb").read() for l in layers]
    os.makedirs(out + "/blobs/sha256", exist_ok=True)

    def put(b):
        open(out + "/blobs/sha256/" + sha(b)[7:], "wb").write(b)
        return {"digest": sha(b), "size": len(b)}

    cfg = config(blobs)
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **put(cfg)),
         "layers": [dict(mediaType=media(b), **put(b)) for b in blobs]}
    mb = json.dumps(patched("manifest", m)).encode()
    d = dict(mediaType="application/vnd.oci.image.manifest.v1+json", **put(mb))
    if "nested" in PATCH:
        d["platform"] = {"os": "linux", "architecture": "amd64"}
        nb = json.dumps(patched("nested", {
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [d]})).encode()
        d = dict(mediaType="application/vnd.oci.image.index.v1+json", **put(nb))
    if name != "-":
        d["annotations"] = {"org.opencontainers.image.ref.name": name}
    open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
    open(out + "/index.json", "w").write(json.dumps(patched("index", {"schemaVersion": 2, "manifests": [d]})))


def docker(out, name, layers):
    blobs = [open(l, "rb").read() for l in layers]
    cfg = config(blobs)
    with tarfile.open(out, "w") as t:
        def add(n, b):
            i = tarfile.TarInfo(n)
            i.size = len(b)
            t.addfile(i, io.BytesIO(b))
        add(sha(cfg)[7:] + ".json", cfg)
        paths = []
        for n, b in enumerate(blobs):
            p = "%064x/layer.tar" % (n + 1)
            add(p, b)
            paths.append(p)
        add("manifest.json", json.dumps(patched("manifest", [{
            "Config": sha(cfg)[7:] + ".json", "RepoTags": [name], "Layers": paths}])).encode())


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd.endswith("-patch"):
        PATCH[sys.argv[3]] = (sys.argv[4], json.loads(sys.argv[5]))
        {"layout-patch": layout, "docker-patch": docker}[cmd](sys.argv[2], "bad/x:1", sys.argv[6:])
    else:
        {"layout": layout, "docker": docker}[cmd](sys.argv[2], sys.argv[3], sys.argv[4:])
