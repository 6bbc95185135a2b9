#!/bin/sh
# Builds lockwarden_VERSION_ARCH.deb from a finished `make build`, with dpkg-deb: the module,
# the core and its SQLite, the helper, the CLI, the configuration (a conffile), the systemd
# units, the manual pages and the pam-auth-update profiles.
#
#   scripts/make-deb.sh BUILD_DIR OUTPUT_DIR
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
out=$2
version=$(dpkg-parsechangelog -l "$top/packaging/changelog" -S Version)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
stage=$out/deb-root
rm -rf "$stage"
umask 022

put() { # put MODE SOURCE TARGET
    install -D -m "$1" "$2" "$stage/$3"
}
put 0644 "$build/pam_lockwarden.so" "usr/lib/$multiarch/security/pam_lockwarden.so"
put 0644 "$build/liblockwarden_core.so" usr/lib/lockwarden/liblockwarden_core.so
put 0644 "$build/liblockwarden_sqlite.so" usr/lib/lockwarden/liblockwarden_sqlite.so
put 4755 "$build/lockwarden-helper" usr/lib/lockwarden/lockwarden-helper
put 0755 "$top/.build/release/lockwarden" usr/sbin/lockwarden
put 0644 "$top/etc/lockwarden.conf" etc/security/lockwarden.conf
for unit in lockwarden-notify.service lockwarden-notify.timer lockwarden-fleet.service; do
    put 0644 "$top/etc/systemd/$unit" "lib/systemd/system/$unit"
done
for profile in "$top"/etc/pam-configs/*; do
    put 0644 "$profile" "usr/share/pam-configs/$(basename "$profile")"
done
for page in "$top"/man/*.[0-9]; do
    [ -e "$page" ] || continue
    section=${page##*.}
    install -d "$stage/usr/share/man/man$section"
    gzip -9n < "$page" > "$stage/usr/share/man/man$section/$(basename "$page").gz"
done
put 0644 "$top/packaging/copyright" usr/share/doc/lockwarden/copyright
install -d "$stage/usr/share/doc/lockwarden"
gzip -9n < "$top/packaging/changelog" > "$stage/usr/share/doc/lockwarden/changelog.gz"
put 0644 "$top/packaging/lintian-overrides" usr/share/lintian/overrides/lockwarden
# Debian strips shipped binaries; the Swift CLI keeps its symbols table only.
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
    "$stage/usr/lib/$multiarch/security/pam_lockwarden.so" "$stage/usr/lib/lockwarden/liblockwarden_core.so" \
    "$stage/usr/lib/lockwarden/liblockwarden_sqlite.so" "$stage/usr/lib/lockwarden/lockwarden-helper" \
    "$stage/usr/sbin/lockwarden"

install -d "$stage/DEBIAN"
for script in postinst prerm postrm; do
    install -m 0755 "$top/packaging/$script" "$stage/DEBIAN/$script"
done
echo /etc/security/lockwarden.conf > "$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: lockwarden
Version: $version
Architecture: $arch
Maintainer: Lockwarden maintainers <maintainers@lockwarden.org>
Installed-Size: $size
Depends: libc6 (>= 2.36), libpam0g (>= 1.5), libpam-runtime (>= 1.5), libsqlite3-0, libnettle8, libqrencode4, libcrypt1, libpq5
Section: admin
Priority: optional
Description: lock accounts after failed logins, with TOTP and an admin unlock
 A PAM module that counts failed logins, locks accounts and reactivates them
 on time, escalates when an account keeps getting locked, adds a TOTP second
 factor with backup codes, and comes with the lockwarden command to list,
 inspect and unlock accounts, with mailed notifications and an activity log.
 Screen lockers are covered through a set-uid helper that acts only on its
 caller's own account. The pam-auth-update profiles are off until enabled.
CONTROL
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) \
    > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"
deb="$out/lockwarden_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
