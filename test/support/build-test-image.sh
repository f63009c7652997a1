#!/usr/bin/env bash
# Builds the local test image from Debian's busybox-static: no image registry
# is needed. The image mirrors what the security guide's container needs: a
# non-root user 1000 named autotrader, /app and /app/logs, and a shell with tar.
# Usage: build-test-image.sh [TAG ...]   (default: ir-test/autotrader:latest busybox:latest)
set -euo pipefail

tags=("$@")
[ ${#tags[@]} -gt 0 ] || tags=(ir-test/autotrader:latest busybox:latest)

busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  busybox=/bin/busybox
fi
[ -x "$busybox" ] || { echo "busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,tmp,app/logs,app/configs,home/autotrader,root}
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nautotrader:x:1000:1000::/home/autotrader:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nautotrader:x:1000:\n' > "$root/etc/group"
chmod 1777 "$root/tmp"
chown -R 1000:1000 "$root/app" "$root/home/autotrader"

for tag in "${tags[@]}"; do
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$tag" >/dev/null
  echo "built $tag"
done
