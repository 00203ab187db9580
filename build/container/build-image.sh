#!/usr/bin/env bash
# Builds the init image: a static busybox plus the agent home under /autoinstrumentation, whose
# default command copies the home into a mounted volume. No Docker engine is needed: the image is
# assembled from scratch with umoci (an OCI image layout) and exported with skopeo (a tarball
# that `docker load` takes). build/container/Dockerfile builds the same image for Docker users
# from the context this script writes.
#
#   build/container/build-image.sh                      # linux-x64 and linux-arm64
#   build/container/build-image.sh --arch amd64         # one architecture (amd64 or arm64)
#   build/container/build-image.sh --home-x64 DIR --home-arm64 DIR --out DIR
#
# Inputs: the agent homes made by build/build.sh. The x64 home is $CWAPM_ARTIFACTS/cwapm (run
# build/build.sh first); the arm64 home is built here with CWAPM_RID=linux-arm64 CWAPM_R2R=false
# (IL only: ReadyToRun for arm64 needs the .NET 8 arm64 runtime pack, which is not available)
# unless --home-arm64 names one. There is no musl image: nothing in the payload depends on the C
# library (ReadyToRun code targets an OS and an architecture, not a libc), so the x64 image serves
# Alpine as well; see docs/containers.md.
#
# Outputs in --out (default $CWAPM_ARTIFACTS/container):
#   oci/                                   OCI image layout; tags <version>-amd64, <version>-arm64
#                                          and <version> (an image index naming both platforms)
#   cwapm-init-<version>-linux-x64.tar     docker load -i ...  (tagged cwapm-init:<version>)
#   cwapm-init-<version>-linux-arm64.tar
#   context/                               build context for build/container/Dockerfile
#   sizes.txt                              compressed and unpacked sizes
#
# Needs umoci, skopeo and Debian's busybox-static package files (installed/downloaded with apt-get
# when missing; that needs root).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
artifacts=${CWAPM_ARTIFACTS:-$repo/artifacts}
out=$artifacts/container
arches="amd64 arm64"
home_x64=$artifacts/cwapm
home_arm64=""
image_name=cwapm-init

log() { echo "build-image.sh: $*" >&2; }
die() { echo "build-image.sh: error: $*" >&2; exit 1; }
usage() { sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --arch) [ $# -ge 2 ] || die "--arch needs a value"; arches=$2; shift 2 ;;
    --arch=*) arches=${1#*=}; shift ;;
    --home-x64) [ $# -ge 2 ] || die "--home-x64 needs a value"; home_x64=$2; shift 2 ;;
    --home-x64=*) home_x64=${1#*=}; shift ;;
    --home-arm64) [ $# -ge 2 ] || die "--home-arm64 needs a value"; home_arm64=$2; shift 2 ;;
    --home-arm64=*) home_arm64=${1#*=}; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ "$arches" = all ] && arches="amd64 arm64"
for a in $arches; do
  case "$a" in amd64|arm64) ;; *) die "--arch: '$a' is not amd64 or arm64" ;; esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
started=$(date +%s)

# The folder the default command copies into: where the app container mounts the volume. One
# source of truth, the CLI's InstrumentingVariables.ContainerHome (what `cwapm env --format k8s`
# prints), read from the source.
container_home=$(sed -n 's/.*const string ContainerHome = "\([^"]*\)".*/\1/p' "$repo/src/CloudWatchApm.Cli/InstrumentingVariables.cs")
[ -n "$container_home" ] || die "cannot read ContainerHome from src/CloudWatchApm.Cli/InstrumentingVariables.cs"

# ---------------------------------------------------------------------------------------------
# Tools
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else die "'$*' needs root (or install umoci, skopeo first)"; fi; }
apt_update() { # [extra apt options...]
  as_root apt-get "$@" update -qq >/dev/null || die "apt-get update failed"
}
if ! command -v umoci >/dev/null || ! command -v skopeo >/dev/null; then
  log "installing umoci and skopeo with apt-get"
  apt_update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq umoci skopeo >/dev/null || die "apt-get install umoci skopeo failed"
fi
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (a Debian machine is expected)"
# umoci unpack/repack keep each file's owner; as root the image's files are root's, as they must be.
[ "$(id -u)" = 0 ] || die "run as root: umoci records file ownership from the unpacked tree"

# busybox-static for the target architecture, from Debian's archive (no dpkg architecture is added:
# the arm64 package list is fetched for this one command only).
cache=$out/cache
mkdir -p "$cache"
busybox_deb() { # arch -> path of the .deb
  local arch=$1
  local opts=(-o "APT::Architectures::=$(dpkg --print-architecture)" -o "APT::Architectures::=$arch")
  local deb
  deb=$(find "$cache" -maxdepth 1 -name "busybox-static_*_$arch.deb" | sort | tail -n 1)
  if [ -z "$deb" ]; then
    if ! (cd "$cache" && apt-get "${opts[@]}" download "busybox-static:$arch" >/dev/null 2>&1); then
      log "fetching the package list for $arch to download busybox-static:$arch"
      apt_update "${opts[@]}"
      (cd "$cache" && apt-get "${opts[@]}" download "busybox-static:$arch" >/dev/null 2>&1) ||
        die "apt-get download busybox-static:$arch failed"
    fi
    deb=$(find "$cache" -maxdepth 1 -name "busybox-static_*_$arch.deb" | sort | tail -n 1)
  fi
  [ -n "$deb" ] || die "no busybox-static .deb for $arch in $cache"
  echo "$deb"
}

# ---------------------------------------------------------------------------------------------
# Inputs
check_home() { # dir
  if [ ! -f "$1/hook/CloudWatchApm.Agent.StartupHook.dll" ] || [ ! -f "$1/VERSION" ] || [ ! -f "$1/checksums.sha256" ]; then
    die "$1 is not an agent home (no hook/CloudWatchApm.Agent.StartupHook.dll, VERSION or checksums.sha256); run build/build.sh"
  fi
}
case " $arches " in *" amd64 "*) check_home "$home_x64" ;; esac
case " $arches " in
  *" arm64 "*)
    if [ -z "$home_arm64" ]; then
      arm_artifacts=$out/staging/arm64-artifacts
      log "building the linux-arm64 agent home (IL only) into $arm_artifacts"
      # The lifting step compares with the .NET 8/9 frameworks of the x64 artifacts' private root.
      CWAPM_ARTIFACTS=$arm_artifacts CWAPM_RID=linux-arm64 CWAPM_R2R=false \
        CWAPM_RUNTIMES_ROOT=${CWAPM_RUNTIMES_ROOT:-$artifacts/runtimes/dotnet} \
        bash "$repo/build/build.sh" >"$out/staging-arm64-build.log" 2>&1 ||
        { tail -n 30 "$out/staging-arm64-build.log" >&2; die "building the arm64 agent home failed (log: $out/staging-arm64-build.log)"; }
      home_arm64=$arm_artifacts/cwapm
    fi
    check_home "$home_arm64"
    ;;
esac

version=""
for a in $arches; do
  h=$home_x64; [ "$a" = arm64 ] && h=$home_arm64
  v=$(tr -d '[:space:]' <"$h/VERSION")
  [ -z "$version" ] || [ "$version" = "$v" ] || die "the homes have different versions ($version, $v)"
  version=$v
done

# Reproducible timestamps: SOURCE_DATE_EPOCH, else the last commit's time (read only).
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)

# ---------------------------------------------------------------------------------------------
# PE machine check: an arm64 image must never carry x64 ReadyToRun code (and the reverse).
# COFF Machine of a ReadyToRun image is the architecture XOR the OS value (Linux 0x7B79):
# x64 0x8664 -> 0xFD1D, arm64 0xAA64 -> 0xD11D; IL-only images say 0x014C.
pe_machine() { # file -> hex machine or empty
  local lfanew
  [ "$(od -A n -t x1 -N 2 "$1" | tr -d ' ')" = 4d5a ] || return 0
  lfanew=$(od -A n -t u4 -j 60 -N 4 "$1" | tr -d ' ')
  [ "$(od -A n -t x1 -j "$lfanew" -N 4 "$1" | tr -d ' ')" = 50450000 ] || return 0
  od -A n -t x2 -j $((lfanew + 4)) -N 2 "$1" | tr -d ' '
}
check_machine_types() { # dir arch
  local dir=$1 arch=$2 bad=0 f m
  while IFS= read -r -d '' f; do
    m=$(pe_machine "$f")
    case "$arch:$m" in
      *:014c|amd64:fd1d|amd64:8664|arm64:d11d|arm64:aa64|*:) ;;
      *) log "${f#"$dir"/} has machine type 0x$m, wrong for $arch"; bad=1 ;;
    esac
  done < <(find "$dir" -type f -name '*.dll' -print0)
  [ "$bad" = 0 ] || die "the $arch payload holds code for another architecture"
}

# ---------------------------------------------------------------------------------------------
# The payload: the agent home, plus what the OpenTelemetry Operator's .NET injection points at.
stage_payload() { # arch home dest
  local arch=$1 home=$2 dest=$3 store_arch=x64
  [ "$arch" = arm64 ] && store_arch=arm64
  rm -rf "$dest"
  mkdir -p "$dest"
  cp -a "$home/." "$dest/"
  # The host probes DOTNET_SHARED_STORE under its own architecture.
  if [ -d "$dest/store" ]; then
    [ -d "$dest/store/$store_arch" ] || die "$home/store has no $store_arch folder (built for another architecture?)"
    local other
    other=$(find "$dest/store" -mindepth 1 -maxdepth 1 ! -name "$store_arch" -printf '%f ')
    [ -z "$other" ] || die "$home/store holds folders for other architectures: $other"
  fi
  # OpenTelemetry Operator layout: DOTNET_STARTUP_HOOKS=<dir>/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll
  # (the hook takes the parent of its folder as the home, so <dir> is this home) and
  # DOTNET_ADDITIONAL_DEPS=<dir>/AdditionalDeps (the same folder-form files as additional-deps/).
  # The native profiler paths it sets (linux/, linux-musl/, or linux-x64/, linux-musl-x64/ before
  # Operator 0.157) stay absent on purpose: the runtime skips a profiler it cannot load, silently.
  mkdir -p "$dest/net"
  cp "$home/hook/CloudWatchApm.Agent.StartupHook.dll" "$dest/net/OpenTelemetry.AutoInstrumentation.StartupHook.dll"
  if [ -d "$home/additional-deps" ]; then
    mkdir -p "$dest/AdditionalDeps"
    cp -a "$home/additional-deps/." "$dest/AdditionalDeps/"
  fi
  check_machine_types "$dest" "$arch"
  # Every file listed, so `cwapm doctor` and the hook see a complete, unmodified home.
  (cd "$dest" && find . -type f ! -name checksums.sha256 | sed 's|^\./||' | LC_ALL=C sort | xargs -d '\n' sha256sum >"$out/staging/checksums.sha256")
  mv "$out/staging/checksums.sha256" "$dest/checksums.sha256"
  # Readable by whatever user the init container and the app run as.
  chmod -R u+rwX,go+rX,go-w "$dest"
  # Identical files (one DiagnosticSource per target framework in the store, the hook under two
  # names, the additional deps in two folders) become hard links, so the layer stores each once;
  # the init container's `cp -r` still writes ordinary files into the volume.
  local -A first=()
  local f h
  while IFS= read -r -d '' f; do
    h=$(sha256sum "$f" | cut -d' ' -f1)
    if [ -n "${first[$h]:-}" ]; then ln -f "${first[$h]}" "$f"; else first[$h]=$f; fi
  done < <(find "$dest" -type f ! -path "$dest/checksums.sha256" -print0 | LC_ALL=C sort -z)
  find "$dest" -exec touch -h -d "@$epoch" {} +
}

# busybox: /bin/busybox, one symlink per applet (so `cp` and `sh` are on PATH, as the Operator's
# init container command `cp -r /autoinstrumentation/. <dir>` needs) and its copyright file.
stage_busybox() { # arch rootfs
  local arch=$1 rootfs=$2 deb x applet
  deb=$(busybox_deb "$arch")
  x=$out/staging/busybox-$arch
  rm -rf "$x"
  mkdir -p "$x"
  dpkg-deb -x "$deb" "$x"
  [ -x "$x/bin/busybox" ] || die "$deb has no bin/busybox"
  mkdir -p "$rootfs/bin" "$rootfs/usr/share/doc/busybox-static"
  cp "$x/bin/busybox" "$rootfs/bin/busybox"
  cp "$x/usr/share/doc/busybox-static/copyright" "$rootfs/usr/share/doc/busybox-static/copyright"
  # The applet list of the same Debian build, from the binary this machine can run.
  local native
  native=$(busybox_deb "$(dpkg --print-architecture)")
  if [ "$native" != "$deb" ]; then
    mkdir -p "$out/staging/busybox-native"
    dpkg-deb -x "$native" "$out/staging/busybox-native"
    native=$out/staging/busybox-native/bin/busybox
  else
    native=$x/bin/busybox
  fi
  for applet in $("$native" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  if [ ! -L "$rootfs/bin/cp" ] || [ ! -L "$rootfs/bin/sh" ]; then die "busybox has no cp or sh applet"; fi
  dpkg-deb -f "$deb" Version
}

# ---------------------------------------------------------------------------------------------
layout=$out/oci
rm -rf "$layout" "$out/context" "$out/staging/rootfs-"* "$out"/"$image_name"-*.tar
mkdir -p "$out/context" "$out/staging"
umoci init --layout "$layout"
cp "$repo/build/container/Dockerfile" "$out/context/Dockerfile"
sizes=$out/sizes.txt
printf '%-14s %-34s %11s %9s %9s\n' image tarball layer.gz tarball unpacked >"$sizes"

for arch in $arches; do
  rid=linux-x64; home=$home_x64
  if [ "$arch" = arm64 ]; then rid=linux-arm64; home=$home_arm64; fi
  tag=$version-$arch
  log "image $image_name:$tag from $home"
  payload=$out/context/$arch/autoinstrumentation
  stage_payload "$arch" "$home" "$payload"

  rootfs=$out/staging/rootfs-$arch
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  busybox_version=$(stage_busybox "$arch" "$rootfs")
  cp -a "$payload" "$rootfs/autoinstrumentation"
  find "$rootfs" -exec touch -h -d "@$epoch" {} +

  umoci new --image "$layout:$tag"
  # One layer with the whole root file system: unpack the empty image, fill it, repack.
  bundle=$out/staging/bundle-$arch
  rm -rf "$bundle"
  umoci unpack --image "$layout:$tag" "$bundle" >/dev/null
  cp -a "$rootfs/." "$bundle/rootfs/"
  chmod 0755 "$bundle/rootfs"
  touch -h -d "@$epoch" "$bundle/rootfs"
  umoci repack --image "$layout:$tag" --history.created "$created" --history.created_by "build/container/build-image.sh" \
    --history.comment "busybox-static $busybox_version and the agent home in /autoinstrumentation" "$bundle"
  rm -rf "$bundle"
  umoci config --image "$layout:$tag" --no-history --created "$created" --os linux --architecture "$arch" \
    --config.env "PATH=/bin" \
    --config.entrypoint /bin/cp --config.entrypoint -r --config.entrypoint /autoinstrumentation/. \
    --config.cmd "$container_home" \
    --config.workingdir / \
    --config.label "org.opencontainers.image.title=$image_name" \
    --config.label "org.opencontainers.image.description=CloudWatch APM .NET agent: init image that copies the agent home into a shared volume" \
    --config.label "org.opencontainers.image.version=$version" \
    --config.label "org.opencontainers.image.licenses=Apache-2.0 AND GPL-2.0-only"
  tarball=$out/$image_name-$version-$rid.tar
  skopeo --insecure-policy copy --quiet "oci:$layout:$tag" "docker-archive:$tarball:$image_name:$version"
done
umoci gc --layout "$layout"

# A multi-platform tag <version>: an OCI image index over the per-architecture manifests, so
# `skopeo copy --all oci:<out>/oci:<version> docker://<registry>/cwapm-init:<version>` pushes one
# tag that serves amd64 and arm64 nodes.
blob() { # file -> writes it as a blob, prints "digest size"
  local d s
  d=$(sha256sum "$1" | cut -d' ' -f1)
  s=$(stat -c %s "$1")
  cp "$1" "$layout/blobs/sha256/$d"
  echo "sha256:$d $s"
}
entries=""
for arch in $arches; do
  manifest=$out/staging/manifest-$arch.json
  skopeo --insecure-policy inspect --raw "oci:$layout:$version-$arch" >"$manifest"
  digest=sha256:$(sha256sum "$manifest" | cut -d' ' -f1)
  [ -f "$layout/blobs/sha256/${digest#sha256:}" ] || die "the manifest of $version-$arch does not read back byte for byte"
  entries="$entries${entries:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$digest\",\"size\":$(stat -c %s "$manifest"),\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"}}"
done
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]}' "$entries" >"$out/staging/image-index.json"
read -r index_digest index_size < <(blob "$out/staging/image-index.json")
index_entry="{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"$index_digest\",\"size\":$index_size,\"annotations\":{\"org.opencontainers.image.ref.name\":\"$version\"}}"
# index.json ends with the manifests array: append the entry to it.
index_json=$(tr -d '\n' <"$layout/index.json")
case "$index_json" in
  *']}') printf '%s' "${index_json%]\}},$index_entry]}" >"$layout/index.json" ;;
  *) die "unexpected $layout/index.json layout: $index_json" ;;
esac
skopeo --insecure-policy inspect --raw "oci:$layout:$version" | grep -q 'image.index' || die "the image index for $version does not read back"

# Sizes: the compressed layer (what a node pulls), the docker load tarball, and the unpacked tree.
for arch in $arches; do
  rid=linux-x64; [ "$arch" = arm64 ] && rid=linux-arm64
  layer=0
  for n in $(tr -d '\n ' <"$out/staging/manifest-$arch.json" | sed 's/.*"layers":\[//' | grep -o '"size":[0-9]*' | cut -d: -f2); do
    layer=$((layer + n))
  done
  tarball=$out/$image_name-$version-$rid.tar
  unpacked=$(du -sb "$out/staging/rootfs-$arch" | cut -f1)
  printf '%-14s %-34s %11s %9s %9s\n' "$version-$arch" "$(basename "$tarball")" \
    "$(numfmt --to=iec-i --suffix=B "$layer")" "$(numfmt --to=iec-i --suffix=B "$(stat -c %s "$tarball")")" \
    "$(numfmt --to=iec-i --suffix=B "$unpacked")" >>"$sizes"
done
cat "$sizes" >&2
log "done in $(($(date +%s) - started)) s: $layout (tags: $(umoci ls --layout "$layout" | tr '\n' ' '))"
