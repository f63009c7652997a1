#!/usr/bin/env bash
# Builds ir-test/stress:latest for test/integration/tar-stress.test.ts: a real
# Debian root (debootstrap minbase bookworm, cached, so reruns take seconds)
# plus /usr/local/sbin/ir-stress-files, which fills /stress with entries that
# stress tar. The test runs that script with `docker exec`, so the entries land
# in the container's writable layer: that is where an intruder's files are in
# a real incident, they are made fresh for every run (nothing a layer import or
# the cache did to them can hide a bug), and the cached root stays a plain
# distribution. Skips everything when the image already exists.
# Usage: build-stress-image.sh [TAG]   (default: ir-test/stress:latest)
set -euo pipefail

tag=${1:-ir-test/stress:latest}
suite=bookworm
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag exists"
  exit 0
fi

# The Debian mirror apt already uses for $suite, so this works wherever apt does.
apt_mirror() {
  local files=() file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -r "$file" ] && files+=("$file")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v suite="$suite" '
    function flush() { if (uri != "" && hit && !off) { print uri; found = 1; exit } uri = ""; hit = 0; off = 0 }
    FNR == 1 { flush() }
    /^[ \t]*#/ { next }
    FILENAME ~ /\.sources$/ {
      if (NF == 0) flush()
      else if ($1 == "URIs:") uri = $2
      else if ($1 == "Suites:") { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
      else if ($1 == "Enabled:" && $2 == "no") off = 1
      else if ($1 == "Types:" && $0 !~ /[ \t]deb([ \t]|$)/) off = 1
      next
    }
    $1 == "deb" {
      n = 2
      if ($2 ~ /^\[/) { while (n <= NF && $n !~ /\]$/) n++; n++ }
      if ($(n + 1) == suite) { print $n; found = 1; exit }
    }
    END { if (!found) flush() }
  ' "${files[@]}"
}

cache=${XDG_CACHE_HOME:-$HOME/.cache}/ir-ci
root=$cache/$suite-minbase-root
if [ ! -d "$root" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  mirror=$(apt_mirror)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "debootstrap --variant=minbase $suite from $mirror into $root"
  mkdir -p "$cache"
  # --one-file-system: a failed debootstrap can leave proc or sys mounted inside.
  rm -rf --one-file-system "$root.partial"
  debootstrap --variant=minbase "$suite" "$root.partial" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -n 20 "$cache/debootstrap.log" >&2
    exit 1
  }
  mv "$root.partial" "$root"
fi

install -d -m 0755 "$root/usr/local/sbin"
cat >"$root/usr/local/sbin/ir-stress-files" <<'SCRIPT'
#!/bin/bash
# Makes /stress: entries that tar formats handle in special ways. Run once per container.
set -euo pipefail
mkdir /stress
cd /stress
a120=$(printf 'a%.0s' {1..120})
b200=$(printf 'b%.0s' {1..200})
c250=$(printf 'c%.0s' {1..250})
bad=$'bad-\xff\xfe-name.txt'

# Over 100 bytes but splittable into a ustar prefix; over 255 bytes needs PAX or GNU long names.
mkdir -p "over-100/$a120" "over-255/$b200"
echo 'a path over 100 bytes' >"over-100/$a120/file.txt"
echo 'a path over 255 bytes' >"over-255/$b200/$c250.txt"
echo 'a name that is not UTF-8' >"$bad"
echo 'a name with spaces' >'with space.txt'
echo 'a name with a newline' >$'new\nline.txt'
echo 'a name in UTF-8 that is not ASCII' >'café ü.txt'
echo 'a name with a backslash' >'back\slash.txt'

ln -s 'with space.txt' link-relative
ln -s /etc/os-release link-absolute
ln -s ../no/such/target link-dangling
ln -s "$bad" link-to-bad-name
ln -s "over-255/$b200/$c250.txt" link-long-target

echo 'one file, two names' >hard-a.txt
ln hard-a.txt hard-b.txt
# Sorts after $bad, so tar stores this one as the link, with a linkname that is not UTF-8.
ln "$bad" zz-hard-to-bad-name

cp /usr/bin/true setuid-true
chmod 4755 setuid-true
echo 'setgid' >setgid-file
chmod 2640 setgid-file

truncate -s 1G sparse-1g
mkfifo fifo
mknod char-null c 1 3
mkdir empty-dir
SCRIPT
chmod 0755 "$root/usr/local/sbin/ir-stress-files"

# Exits on SIGTERM, so terminate need not wait out the stop timeout of a PID 1 that ignores it.
cmd='CMD ["/bin/bash", "-c", "trap \"exit 0\" TERM; sleep infinity & wait"]'
tar -C "$root" -c . | docker import -c "$cmd" - "$tag" >/dev/null
echo "built $tag"
