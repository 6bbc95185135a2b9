#!/bin/sh
# Builds liblockwarden_core.so in Embedded Swift: no Swift runtime, no metadata, no backtracer,
# no libstdc++ inside login processes. The core's modules are compiled one by one, in
# dependency order, from the same sources the normal build (CLI, unit tests, fuzzers) uses;
# their objects, the C parts of the store and the embedded Unicode tables are linked into one
# shared object that exports only the contract of lockwarden_core.h.
#
#   scripts/build-core.sh OUTPUT_DIR     writes OUTPUT_DIR/liblockwarden_core.so
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
swiftc=${SWIFTC:-swiftc}
cc=${CC:-gcc}
target=x86_64-unknown-linux-gnu
toolchain_lib=$(dirname "$(command -v "$swiftc")")/../lib/swift/embedded/$target
work=$out/embedded
# swiftc may leave an existing object file in place: start from nothing, every time.
rm -rf "$work"
mkdir -p "$work/modules" "$work/maps/CStore" "$work/maps/CLockwardenContract"
# SwiftPM writes module maps for C targets itself; this build names their headers the same way.
printf 'module CStore {\n    header "%s"\n    export *\n}\n' "$top/Sources/CStore/include/lockwarden_store.h" \
    > "$work/maps/CStore/module.modulemap"
printf 'module CLockwardenContract {\n    header "%s"\n    export *\n}\n' \
    "$top/Sources/CLockwardenContract/include/lockwarden_core.h" > "$work/maps/CLockwardenContract/module.modulemap"

modules="LockwardenSystem LockwardenPolicy LockwardenTOTP LockwardenCrypto LockwardenQR LockwardenStore
LockwardenEngine LockwardenCore"
for module in $modules; do
    # -Werror DeprecatedDeclaration: InterpolationGuard.swift makes a value that cannot be
    # printed a deprecation warning; here it fails the build.
    "$swiftc" -target "$target" -enable-experimental-feature Embedded -wmo -parse-as-library -Osize -function-sections \
        -Werror DeprecatedDeclaration -module-name "$module" \
        -I "$work/modules" -I "$top/CModules/CSQLite" -I "$top/CModules/CRandom" -I "$top/CModules/CLibc" \
        -I "$top/CModules/CQRencode" -I "$top/CModules/CNettle" -I "$work/maps/CStore" -I "$work/maps/CLockwardenContract" \
        -emit-module -emit-module-path "$work/modules/$module.swiftmodule" \
        -c -o "$work/$module.o" "$top"/Sources/"$module"/*.swift "$top/scripts/embedded/InterpolationGuard.swift"
done
for source in "$top"/Sources/CStore/*.c; do
    "$cc" -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -fPIC -fstack-protector-strong \
        -ffunction-sections -fdata-sections \
        -I "$top/Sources/CStore/include" -c "$source" -o "$work/$(basename "$source" .c).c.o"
done
# libsqlite3, libnettle and libqrencode are loaded on first use (lazy_libraries.c), not at dlopen.
"$cc" -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -fPIC -fstack-protector-strong \
    -ffunction-sections -fdata-sections -I "$top/scripts/embedded" \
    -c "$top/scripts/embedded/lazy_libraries.c" -o "$work/lazy_libraries.c.o"
# The core's own SQLite: Debian's libsqlite3.a (libsqlite3-dev) in a library that exports only
# the functions the core calls (sqlite_functions.h), so that loading it binds a few dozen
# symbols instead of the system library's 1,200. Rebuild after a libsqlite3-dev update.
archive=$("$cc" -print-file-name=libsqlite3.a)
[ -f "$archive" ] || { echo "build-core.sh: libsqlite3.a not found (install libsqlite3-dev)" >&2; exit 1; }
printf '#include "sqlite_functions.h"\n#define NAME(ret, name, params, args, fallback) name;\nSQLITE_FUNCTIONS(NAME) sqlite3_db_config;\n' \
    | "$cc" -E -P -I "$top/scripts/embedded" - | grep -o 'sqlite3_[a-z0-9_]*;' > "$work/sqlite.exports"
{ echo "{ global:"; cat "$work/sqlite.exports"; echo "local: *; };"; } > "$work/sqlite.map"
"$cc" -shared -fPIC -o "$out/liblockwarden_sqlite.so" -Wl,--whole-archive "$archive" -Wl,--no-whole-archive \
    -Wl,--version-script="$work/sqlite.map" -Wl,-Bsymbolic -Wl,--no-undefined -Wl,--strip-debug -Wl,-z,nodelete \
    -Wl,-z,relro -Wl,-z,now -lm -ldl -lpthread
objects=""
for module in $modules; do objects="$objects $work/$module.o"; done
# nodelete: PAM dlcloses modules, and the core must never be unmapped under a running login.
# Every function in its own section and --gc-sections: only what the exported functions reach
# is linked (the shared modules also carry the CLI's code), which keeps a login's pages few.
"$cc" -shared -fPIC -o "$out/liblockwarden_core.so" $objects "$work"/*.c.o \
    -L"$toolchain_lib" -lswiftUnicodeDataTables -lm -ldl \
    -Wl,--version-script="$top/Sources/LockwardenCore/exports.map" -Wl,--no-undefined -Wl,--strip-debug -Wl,--gc-sections \
    -Wl,-z,nodelete -Wl,-z,relro -Wl,-z,now
echo "built $out/liblockwarden_core.so (Embedded Swift)"
