# Parallax: the two commands.
#   make run    install what is missing, build, start the app
#   make check  install what is missing, build, run every test suite
# Works on a fresh Debian bookworm machine, as root or through sudo.

BUILDDIR ?= _build
FUZZDIR ?= _build-fuzz
# Warnings are errors in CI (CI=true), where nobody reads them.
WERROR ?= $(if $(filter true 1 yes,$(CI)),true,false)

# Build and run-time dependencies, all from Debian bookworm.
DEBIAN_PACKAGES = \
	meson ninja-build pkg-config gcc gettext itstool \
	libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libepoxy-dev \
	libpipewire-0.3-dev libportal-dev libsoup-3.0-dev libjson-glib-dev \
	libopus-dev libvpx-dev libturbojpeg0-dev libzstd-dev libcglm-dev \
	libgdk-pixbuf-2.0-dev libgl1-mesa-dri libegl-mesa0 libegl-dev \
	pipewire pipewire-bin wireplumber dbus dbus-bin
# What the tests need on top: a display, fake devices, validators, peers.
DEBIAN_TEST_PACKAGES = \
	xvfb xauth xserver-xorg-core xserver-xorg-video-dummy x11-xserver-utils \
	gstreamer1.0-tools gstreamer1.0-pipewire \
	gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
	desktop-file-utils appstream flatpak-builder systemd librsvg2-bin \
	python3 python3-opencv python3-websockets python3-jwt python3-pyatspi at-spi2-core \
	espeak-ng vpx-tools \
	clang libclang-rt-14-dev

SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run check fuzz deps test-deps build clean

run: deps build
	GSETTINGS_SCHEMA_DIR=$(BUILDDIR)/data $(BUILDDIR)/app/parallax --demo

check: deps test-deps
	@if [ -f $(BUILDDIR)/build.ninja ]; then \
		meson configure $(BUILDDIR) -Dwerror=$(WERROR); \
	else \
		meson setup $(BUILDDIR) -Dwerror=$(WERROR); \
	fi
	meson compile -C $(BUILDDIR)
	meson test -C $(BUILDDIR) --print-errorlogs
	@$(MAKE) --no-print-directory fuzz

# libFuzzer runs every fuzz target for a bounded time (clang, ASan, UBSan).
fuzz:
	@if [ ! -f $(FUZZDIR)/build.ninja ]; then \
		meson setup $(FUZZDIR) -Dfuzzing=true -Dui=false --native-file tests/fuzz/clang.ini; \
	fi
	meson compile -C $(FUZZDIR)
	meson test -C $(FUZZDIR) --suite fuzz --print-errorlogs

build: $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR) -Dwerror=$(WERROR)

# Installs only what dpkg does not already report as installed, so a
# second run does nothing and needs no network.
deps:
	@$(call install-missing,$(DEBIAN_PACKAGES))

test-deps:
	@$(call install-missing,$(DEBIAN_TEST_PACKAGES))

define install-missing
missing=""; \
for p in $(1); do \
	dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed$$' \
		|| missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
	echo "Installing:$$missing"; \
	$(SUDO) apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
fi
endef

clean:
	rm -rf $(BUILDDIR) $(FUZZDIR)
