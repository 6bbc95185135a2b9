# Lockwarden - build, install and test.
#
#   make install     Debian build dependencies, release build, the .deb installed with apt-get
#                    (its postinst creates the database), doctor; `apt remove lockwarden` undoes it
#   make deb         build/lockwarden_VERSION_ARCH.deb
#   make install-files, make uninstall
#                    copy the files in place without the package, and remove them (keeps the
#                    database; PURGE=1 removes it): for development
#   make test        test dependencies, builds, lint (code and manual pages), unit tests, a short
#                    fuzzing run, real-PAM, real-sshd, screen-locker and package tests
#   make fuzz        long fuzzing runs (Fuzz/README.md)
#   make build       release build of the core, the CLI and the PAM module
#   make bench       benchmarks against pam_faillock and google-authenticator (after install)
#
# Run as root on Debian 12 (or a derivative) with the Swift toolchain on PATH.

SHELL := /bin/sh
SWIFT ?= swift
BUILD_DIR ?= build
SWIFT_RELEASE := .build/release

MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null)
SECUREDIR ?= /usr/lib/$(MULTIARCH)/security
COREDIR ?= /usr/lib/lockwarden
SBINDIR ?= /usr/sbin
CONFDIR ?= /etc/security
STATEDIR ?= /var/lib/lockwarden
UNITDIR ?= /etc/systemd/system

# libssl-dev: OpenSSL's headers for the unit tests' reference checks only; nothing shipped links libcrypto.
# nettle-dev: the hashes, HMAC and PBKDF2 of the core and the CLI.
# libcrypt-dev: crypt_r, with which the helper checks a screen locker's password.
# libpq-dev: the fleet agent's PostgreSQL client (the CLI only; logins never load it).
DEB_BUILD_DEPS := gcc make pkg-config libc6-dev libstdc++-12-dev libpam0g-dev libpam-modules libsqlite3-dev libssl-dev \
                  libqrencode-dev nettle-dev libcrypt-dev libpq-dev dpkg-dev
DEB_TEST_DEPS := pamtester python3 python3-pytest python3-pexpect passwd binutils util-linux sqlite3 oathtool \
                 zbar-tools openssh-server openssh-client msmtp sudo strace \
                 xvfb i3lock xdotool mandoc lintian postgresql faketime iproute2 openssl

.PHONY: all build deps test-deps install install-package install-files uninstall deb test unit integration lint man-lint test-core \
        bench clean

all: build

include pam/Makefile.inc
include Fuzz/Makefile.inc

deps:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_BUILD_DEPS)

# The tests run their own sshd on 127.0.0.1; policy-rc.d keeps the package from starting the
# system's sshd (on every address) while it installs.
test-deps: deps
	@if [ -e /usr/sbin/policy-rc.d ]; then keep=1; else keep=0; printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
	  chmod 755 /usr/sbin/policy-rc.d; fi; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEB_TEST_DEPS); status=$$?; \
	[ "$$keep" = 1 ] || rm -f /usr/sbin/policy-rc.d; exit $$status

# The CLI in release mode (normal Swift, runtime linked statically), the core in Embedded
# Swift from the same sources (scripts/build-core.sh: no Swift runtime in login processes),
# and the PAM module. No $ORIGIN RUNPATH anywhere: libraries come from the system's paths.
build:
	$(SWIFT) build -c release --static-swift-stdlib --disable-local-rpath --product lockwarden
	scripts/build-core.sh $(BUILD_DIR)
	$(MAKE) pam-module

# apt-get resolves the package's dependencies; --reinstall makes a rebuild of the same version
# replace the installed one; --force-confold keeps a configuration the administrator already has.
install: deps build deb install-package
	$(SBINDIR)/lockwarden doctor

install-package:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confold \
	    ./$(BUILD_DIR)/lockwarden_$(DEB_VERSION)_$(DEB_ARCH).deb

DEB_VERSION = $(shell dpkg-parsechangelog -l packaging/changelog -S Version)
DEB_ARCH = $(shell dpkg --print-architecture)

deb: build
	scripts/make-deb.sh $(BUILD_DIR) $(BUILD_DIR)

# Files are copied under a temporary name and renamed into place: a running sshd may
# have the old core mapped, and overwriting a mapped library in place crashes it.
install-files:
	install -d -m 0755 -o root -g root $(COREDIR) $(SECUREDIR) $(SBINDIR) $(CONFDIR)
	install -m 0644 -o root -g root $(BUILD_DIR)/liblockwarden_sqlite.so $(COREDIR)/.liblockwarden_sqlite.so.new
	mv -f $(COREDIR)/.liblockwarden_sqlite.so.new $(COREDIR)/liblockwarden_sqlite.so
	install -m 0644 -o root -g root $(BUILD_DIR)/liblockwarden_core.so $(COREDIR)/.liblockwarden_core.so.new
	mv -f $(COREDIR)/.liblockwarden_core.so.new $(COREDIR)/liblockwarden_core.so
	install -m 4755 -o root -g root $(BUILD_DIR)/lockwarden-helper $(COREDIR)/.lockwarden-helper.new
	mv -f $(COREDIR)/.lockwarden-helper.new $(COREDIR)/lockwarden-helper
	install -m 0644 -o root -g root $(BUILD_DIR)/pam_lockwarden.so $(SECUREDIR)/.pam_lockwarden.so.new
	mv -f $(SECUREDIR)/.pam_lockwarden.so.new $(SECUREDIR)/pam_lockwarden.so
	install -m 0755 -o root -g root $(SWIFT_RELEASE)/lockwarden $(SBINDIR)/.lockwarden.new
	mv -f $(SBINDIR)/.lockwarden.new $(SBINDIR)/lockwarden
	test -e $(CONFDIR)/lockwarden.conf || install -m 0644 -o root -g root etc/lockwarden.conf $(CONFDIR)/lockwarden.conf
	install -d -m 0700 -o root -g root $(STATEDIR)
	install -d -m 0755 $(UNITDIR)
	install -m 0644 -o root -g root etc/systemd/lockwarden-notify.service etc/systemd/lockwarden-notify.timer \
	  etc/systemd/lockwarden-fleet.service $(UNITDIR)/

uninstall:
	rm -f $(SECUREDIR)/pam_lockwarden.so $(COREDIR)/liblockwarden_core.so $(COREDIR)/liblockwarden_sqlite.so \
	      $(COREDIR)/lockwarden-helper \
	      $(SBINDIR)/lockwarden \
	      $(UNITDIR)/lockwarden-notify.service $(UNITDIR)/lockwarden-notify.timer $(UNITDIR)/lockwarden-fleet.service
	-rmdir $(COREDIR) 2>/dev/null
	@if [ "$(PURGE)" = "1" ]; then rm -rf $(STATEDIR) $(CONFDIR)/lockwarden.conf; echo "removed $(STATEDIR) and $(CONFDIR)/lockwarden.conf"; \
	 else echo "kept $(STATEDIR) and $(CONFDIR)/lockwarden.conf (make uninstall PURGE=1 removes them)"; fi
	@grep -ls pam_lockwarden /etc/pam.d/* 2>/dev/null | sed 's/^/warning: still referenced by /' || true

# The test build of the PAM module loads the core from $(BUILD_DIR)/core; a second one
# points at a core that does not exist, to prove a missing core means "deny".
# A third loads a core that traps on purpose, built in Embedded Swift like the real one.
test-core: build
	install -d -m 0755 $(BUILD_DIR)/core $(BUILD_DIR)/trapcore
	install -m 0644 $(BUILD_DIR)/liblockwarden_core.so $(BUILD_DIR)/liblockwarden_sqlite.so $(BUILD_DIR)/core/
	install -d -m 0755 -o root -g root $(BUILD_DIR)/helper
	install -m 4755 -o root -g root $(BUILD_DIR)/lockwarden-helper-test $(BUILD_DIR)/helper/lockwarden-helper
	$(CC) $(LW_PAM_CFLAGS) -DLW_CORE_PATH='"$(abspath $(BUILD_DIR))/nocore/liblockwarden_core.so"' \
	    $(LW_PAM_LDFLAGS) -o $(BUILD_DIR)/pam_lockwarden_nocore.so $(LW_PAM_SRCS) $(LW_PAM_LIBS)
	swiftc -target x86_64-unknown-linux-gnu -enable-experimental-feature Embedded -wmo -parse-as-library \
	    -emit-library -Osize -module-name TrapCore -Xlinker -z -Xlinker nodelete \
	    -o $(BUILD_DIR)/trapcore/liblockwarden_core.so Tests/trapcore/TrapCore.swift
	chmod 0644 $(BUILD_DIR)/trapcore/liblockwarden_core.so
	$(CC) $(LW_PAM_CFLAGS) -DLW_CORE_PATH='"$(abspath $(BUILD_DIR))/trapcore/liblockwarden_core.so"' \
	    $(LW_PAM_LDFLAGS) -o $(BUILD_DIR)/pam_lockwarden_trap.so $(LW_PAM_SRCS) $(LW_PAM_LIBS)

# The trap rules, and the repository's .swift-format (every rule it enables) with warnings as errors.
lint: man-lint
	./scripts/lint-no-traps.sh
	$(SWIFT) format lint --strict --recursive Sources Tests Fuzz

# mandoc prints nothing for a clean page; any warning fails.
man-lint:
	mandoc -T lint -W warning man/*.[0-9]

unit:
	$(SWIFT) test

integration: test-core deb
	/usr/bin/python3 -m pytest -v -p no:cacheprovider Tests/integration

test: test-deps test-core lint unit fuzz-smoke integration

# Speed and memory against pam_faillock and pam_google_authenticator; writes docs/BENCHMARKS.md.
bench: test-core
	bench/run

clean: pam-module-clean
	rm -rf $(BUILD_DIR) .build
