# mk/deps.mk — install what lp needs from Debian, once.
#
# Other mk files append to LP_DEB_PKGS. `deps` installs what is missing with
# apt-get when run as root; otherwise it prints the exact command and exits 3.
# A stamp keyed on the package list avoids asking dpkg on every make.

LP_DEB_PKGS += gcc make pkg-config libc6-dev \
	libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev \
	libelf-dev libdw-dev libiberty-dev zlib1g-dev \
	bats jq binutils clang libclang-rt-14-dev

LP_DEPS_STAMP = $(LP_BUILD)/.deps-$(shell printf '%s ' $(sort $(LP_DEB_PKGS)) | cksum | cut -d' ' -f1)

.PHONY: deps
deps: ## install missing build dependencies (Debian packages)
	@test -e $(LP_DEPS_STAMP) || $(MAKE) --no-print-directory $(LP_DEPS_STAMP)

# A pattern, and deps' recipe: both see LP_DEB_PKGS after every mk file
# appended to it (a target or prerequisite here would expand too early).
$(LP_BUILD)/.deps-%:
	@$(LP_ROOT)/mk/deps.sh $(sort $(LP_DEB_PKGS))
	@mkdir -p $(LP_BUILD) && rm -f $(LP_BUILD)/.deps-* && touch $@
