# ngx_module/: ngx_http_fngate_module as a dynamic module for the installed
# nginx, and fcgi-echo, a FastCGI responder for testing the module alone.
# Included by the top-level Makefile.
#
# The module is built the way Debian builds its own: nginx-dev's tree
# (/usr/share/nginx/src) configured with the flags of the installed nginx
# (conf_flags, --with-compat, the same --with-cc-opt), then "make modules".
# The tree is copied once to $(BUILD)/nginx-src; /usr/share is never
# written.

NGX_SRC_DIR    ?= /usr/share/nginx/src
NGX_BUILD_DIR  := $(BUILD)/nginx-src
NGX_MODULE_SO  := $(BUILD)/ngx_http_fngate_module.so
NGX_MODULE_CC_OPT := -g -O2 -fstack-protector-strong -Wformat \
                     -Werror=format-security -fPIC -Wdate-time \
                     -D_FORTIFY_SOURCE=2
NGX_MODULE_LD_OPT := -Wl,-z,relro -Wl,-z,now -fPIC

NGX_MODULE_SRCS := $(wildcard ngx_module/*.c ngx_module/*.h) \
                   lib/fg_sigv4.c lib/fg_action.c lib/fg_route.c \
                   lib/fg_keys.c lib/fg_util.c lib/fg_api.c \
                   lib/fg_cluster.c lib/fg_cluster.h \
                   lib/fg_sigv4.h lib/fg_action.h lib/fg_route.h \
                   lib/fg_keys.h lib/fg_util.h lib/fg_api.h

$(NGX_BUILD_DIR)/.copied:
	@mkdir -p $(BUILD)
	rm -rf $(NGX_BUILD_DIR)
	cp -r $(NGX_SRC_DIR) $(NGX_BUILD_DIR)
	@touch $@

# configure again only when the addon's config (its file list) changes
$(NGX_BUILD_DIR)/objs/Makefile: $(NGX_BUILD_DIR)/.copied config \
                                ngx_module/build.mk
	cd $(NGX_BUILD_DIR) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt='$(NGX_MODULE_CC_OPT)' \
	        --with-ld-opt='$(NGX_MODULE_LD_OPT)' \
	        --add-dynamic-module=$(ROOT) > configure.log 2>&1 \
	    || { tail -20 configure.log; exit 1; }

$(NGX_MODULE_SO): SHELL := /bin/bash
$(NGX_BUILD_DIR)/objs/Makefile: SHELL := /bin/bash

$(NGX_MODULE_SO): $(NGX_BUILD_DIR)/objs/Makefile $(NGX_MODULE_SRCS)
	$(MAKE) -C $(NGX_BUILD_DIR) -f objs/Makefile modules
	# a new file, not the old one rewritten: a running nginx maps it
	cp $(NGX_BUILD_DIR)/objs/ngx_http_fngate_module.so $@.tmp
	mv -f $@.tmp $@

BUILD_TARGETS += $(NGX_MODULE_SO)

# fcgi-echo: answers every request with 200 and a JSON object of the
# FNGATE_* (and a few CGI) params it received.
FCGI_ECHO := $(BUILD)/fcgi-echo

$(FCGI_ECHO): $(BUILD)/obj/util/fcgi-echo.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lfcgi -pthread

BUILD_TARGETS += $(FCGI_ECHO)
