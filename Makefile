# ncap: ncagentd (sensor), nccollectd (collector), ncctl (control, dump).
#
#	make			build the three programs, warnings are errors
#	make test		regress suite, then again under ASan and UBSan
#	make bench		offline replay of a large generated capture, and
#				tcpdump and softflowd on it
#	make bench-live		the same mix sent live into a veth pair (root)
#	make bench-collector	one collector given what a sensor sent, at
#				rising rates: its ceiling
#	make fuzz		libFuzzer harnesses (clang)
#	make demo		a collector and a sensor on this machine
#	make install		PREFIX (/usr/local), SYSCONFDIR (/etc), DESTDIR

VERSION =	0.1.0
PREFIX ?=	/usr/local
SBINDIR ?=	$(PREFIX)/sbin
MANDIR ?=	$(PREFIX)/share/man
EXAMPLEDIR ?=	$(PREFIX)/share/examples/ncap
SYSCONFDIR ?=	/etc
SYSTEMDUNITDIR ?=	$(PREFIX)/lib/systemd/system
DESTDIR ?=

# O: where objects and generated code go; BIN: where the programs go
O ?=		obj
BIN ?=

CC ?=		cc
YACC =		byacc
PROTOC_C ?=	protoc-c
PKG_CONFIG ?=	pkg-config
PKGS =		libsodium libpcap libevent zlib libdeflate libzstd libprotobuf-c \
		libmd libbsd-overlay libseccomp

PKG_CFLAGS :=	$(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS :=	$(shell $(PKG_CONFIG) --libs $(PKGS))
# libnats: the collector's publisher talks to NATS JetStream, ncctl
# reads it (dump -u), and a test tool writes it
NATS_CFLAGS :=	$(shell $(PKG_CONFIG) --cflags libnats)
NATS_LIBS :=	$(shell $(PKG_CONFIG) --libs libnats)
# ncagentd loads libpcap in its capture child alone (ncagentd/pcaplib.c),
# by the name its -dev package's link would record
PCAP_SONAME :=	$(shell objdump -p "$$($(CC) -print-file-name=libpcap.so)" \
		    2>/dev/null | sed -n 's/^ *SONAME *//p')

WARNINGS =	-Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual \
		-Wsign-compare -Wmissing-prototypes -Wstrict-prototypes \
		-Wmissing-declarations -Wformat=2 -Wno-unused-parameter \
		-Werror
OPT ?=		-O2 -g
SANFLAGS ?=
# a section per function and per object, and the linker leaves out those
# nothing uses: protobuf-c's generated unpack and free functions, and
# common code only another program calls (ncagentd: 29 kB of 258)
GCFLAGS =	-ffunction-sections -fdata-sections
CFLAGS ?=
CFLAGS +=	$(OPT) $(WARNINGS) $(SANFLAGS) $(GCFLAGS) -std=gnu11 \
		-D_GNU_SOURCE -DNCAP_VERSION='"$(VERSION)"' \
		-Icommon -isystem $(O)/proto $(PKG_CFLAGS)
LDFLAGS +=	$(SANFLAGS) -Wl,--gc-sections
LDLIBS +=	$(PKG_LIBS)

# record types may be spread over proto/records*.proto, one file per
# protocol family; generated sources exist before anything includes them
RECORD_PROTOS =	$(sort $(wildcard proto/records*.proto))
RECORD_NAMES =	$(RECORD_PROTOS:proto/%.proto=%)
RECORD_H =	$(RECORD_NAMES:%=$(O)/proto/%.pb-c.h)
GEN_H =		$(O)/proto/ncap.pb-c.h $(RECORD_H)

COMMON_SRCS =	common/log.c common/imsg.c common/proc.c common/privsep.c \
		common/keys.c common/wire.c common/varint.c common/ncap.c \
		common/records.c common/util.c common/check.c common/conf.c \
		common/control.c common/sandbox.c common/lex.c \
		common/pbpack.c
PROTO_OBJS =	$(O)/proto/ncap.pb-c.o \
		$(RECORD_NAMES:%=$(O)/proto/%.pb-c.o) $(O)/proto/rectypes.o
COMMON_OBJS =	$(COMMON_SRCS:%.c=$(O)/%.o) $(PROTO_OBJS) \
		$(O)/proto/rectypes_pack.o

AGENT_SRCS =	ncagentd/ncagentd.c ncagentd/capture.c ncagentd/crypto.c \
		ncagentd/config.c ncagentd/queue.c ncagentd/pcaplib.c \
		ncagentd/zenc.c \
		$(wildcard ncagentd/decode*.c)
AGENT_OBJS =	$(AGENT_SRCS:%.c=$(O)/%.o) $(O)/ncagentd/parse.o

COLLECT_SRCS =	nccollectd/nccollectd.c nccollectd/receiver.c \
		nccollectd/crypto.c nccollectd/spool.c nccollectd/config.c \
		nccollectd/unpack.c nccollectd/window.c nccollectd/trust.c \
		nccollectd/ratelimit.c nccollectd/output.c nccollectd/validate.c \
		nccollectd/journal.c nccollectd/jetstream.c nccollectd/publish.c \
		nccollectd/hwm.c nccollectd/marks.c nccollectd/consume.c
COLLECT_OBJS =	$(COLLECT_SRCS:%.c=$(O)/%.o) $(O)/nccollectd/parse.o

CTL_SRCS =	ncctl/ncctl.c ncctl/dump.c ncctl/parser.c ncctl/output.c \
		ncctl/stream.c
CTL_OBJS =	$(CTL_SRCS:%.c=$(O)/%.o)

ifeq ($(BIN),)
AGENT =		ncagentd/ncagentd
COLLECT =	nccollectd/nccollectd
CTL =		ncctl/ncctl
else
AGENT =		$(BIN)/ncagentd
COLLECT =	$(BIN)/nccollectd
CTL =		$(BIN)/ncctl
endif

UNIT_SRCS =	$(wildcard regress/unit/t_*.c)
UNIT_BINS =	$(UNIT_SRCS:regress/unit/%.c=$(O)/regress/%)
TOOL_SRCS =	$(wildcard regress/tools/*.c)
TOOL_BINS =	$(TOOL_SRCS:regress/tools/%.c=$(O)/regress/%)

# the daemons again, but with a sandbox that lets the role named in
# NCAP_SANDBOX_SELFTEST make one call outside its filter (t_sandbox);
# the daemons themselves have no such hook
SELFTEST_BINS =	$(O)/regress/ncagentd-selftest $(O)/regress/nccollectd-selftest
SELFTEST_OBJS =	$(filter-out $(O)/common/sandbox.o,$(COMMON_OBJS)) \
		$(O)/regress/sandbox-selftest.o

all: $(AGENT) $(COLLECT) $(CTL) $(UNIT_BINS) $(TOOL_BINS) $(SELFTEST_BINS)

# ncagentd is not linked with libpcap, which its capture child loads
# (ncagentd/pcaplib.c), nor with zlib or libdeflate, which it does not
# use: even where the linker would keep an unused library (the
# sanitizers' builds do)
AGENT_LIBS =	$(filter-out -lpcap -lz -ldeflate,$(LDLIBS))
$(AGENT): $(AGENT_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)

$(COLLECT): $(COLLECT_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NATS_LIBS)

# ncctl runs no event loop and no sandbox: the common code that does is
# dropped (--gc-sections), and so are the libraries
CTL_LIBS =	$(filter-out -levent -lseccomp,$(LDLIBS))
$(CTL): $(CTL_OBJS) $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CTL_LIBS) $(NATS_LIBS)

$(O)/regress/sandbox-selftest.o: common/sandbox.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DNCAP_SANDBOX_SELFTEST -MMD -MP -c -o $@ $<

$(O)/regress/ncagentd-selftest: $(AGENT_OBJS) $(SELFTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)

$(O)/regress/nccollectd-selftest: $(COLLECT_OBJS) $(SELFTEST_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NATS_LIBS)

# unit tests link the common code and, by name, daemon objects they test
UNIT_AGENT_OBJS = $(filter-out $(O)/ncagentd/ncagentd.o,$(AGENT_OBJS))
$(O)/regress/t_%: regress/unit/t_%.c $(COMMON_OBJS) $(UNIT_AGENT_OBJS) $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Incagentd $(LDFLAGS) -o $@ $< $(COMMON_OBJS) \
	    $(UNIT_AGENT_OBJS) $(LDLIBS)

# unit tests that build a module of the sensor into themselves, and link
# no other copy of it: t_flowmax decode_flow.c with small counters,
# t_zenc zenc.c to move its position base, t_zenc_portable the same built
# without its SSE2 and little-endian shortcuts
UNIT_BUILTIN_BINS = $(O)/regress/t_flowmax $(O)/regress/t_zenc \
		    $(O)/regress/t_zenc_portable
$(O)/regress/t_flowmax: ncagentd/decode_flow.c
$(O)/regress/t_zenc: ncagentd/zenc.c
$(O)/regress/t_zenc_portable: ncagentd/zenc.c regress/unit/t_zenc.c
$(UNIT_BUILTIN_BINS): $(O)/regress/t_%: regress/unit/t_%.c $(COMMON_OBJS) \
    $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Incagentd -MMD -MP $(LDFLAGS) -o $@ $< \
	    $(COMMON_OBJS) $(LDLIBS)

# unit tests of the collector link only the modules they test, each
# named below: both daemons define crypto_main, parse_config and the
# like, and the receiver's process state stays out of reach
UNIT_COLLECT_BINS = $(O)/regress/t_window $(O)/regress/t_keycache \
		    $(O)/regress/t_ratelimit $(O)/regress/t_validate \
		    $(O)/regress/t_journal $(O)/regress/t_hwm
$(O)/regress/t_hwm: $(O)/nccollectd/hwm.o
$(O)/regress/t_window: $(O)/nccollectd/window.o
$(O)/regress/t_journal: $(O)/nccollectd/journal.o
$(O)/regress/t_keycache: $(O)/nccollectd/trust.o $(O)/nccollectd/window.o
$(O)/regress/t_ratelimit: $(O)/nccollectd/ratelimit.o
$(O)/regress/t_validate: $(O)/nccollectd/validate.o \
    $(O)/regress/vtest.pb-c.o
$(UNIT_COLLECT_BINS): $(O)/regress/t_%: regress/unit/t_%.c $(COMMON_OBJS) \
    $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Inccollectd -isystem $(O)/regress \
	    $(LDFLAGS) -o $@ $< $(filter $(O)/nccollectd/%.o \
	    $(O)/regress/%.o,$^) $(COMMON_OBJS) $(LDLIBS)

# messages of the unit tests alone: kinds of field no record type has
# yet, for t_validate (vtest) and t_pbpack (pbtest, pbtest2)
TEST_PROTOS =	vtest pbtest pbtest2
$(O)/regress/%.pb-c.c $(O)/regress/%.pb-c.h: regress/unit/%.proto
	@mkdir -p $(@D)
	$(PROTOC_C) --proto_path=regress/unit --c_out=$(O)/regress $<
$(O)/regress/%.pb-c.o: $(O)/regress/%.pb-c.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-cast-qual -Wno-missing-prototypes \
	    -c -o $@ $<

# t_pbpack packs its own messages too
T_PBPACK_OBJS =	$(O)/regress/pbtest.pb-c.o $(O)/regress/pbtest2.pb-c.o
$(O)/regress/t_pbpack: $(T_PBPACK_OBJS)
$(O)/regress/t_pbpack: LDLIBS := $(T_PBPACK_OBJS) $(LDLIBS)
$(O)/regress/t_pbpack: CPPFLAGS += -isystem $(O)/regress

# jsread reads a JetStream stream back for t_jetstream
$(O)/regress/jsread: CFLAGS += $(NATS_CFLAGS)
$(O)/regress/jsread: LDLIBS += $(NATS_LIBS)
$(O)/regress/%: regress/tools/%.c $(COMMON_OBJS) $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(COMMON_OBJS) $(LDLIBS)

# jspub publishes into JetStream for t_dumpstream
$(O)/regress/jspub: LDLIBS += $(NATS_LIBS)
$(O)/regress/jspub: CPPFLAGS += $(NATS_CFLAGS)

$(O)/nccollectd/publish.o: CFLAGS += $(NATS_CFLAGS)
$(O)/%.o: %.c $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -I$(<D) -MMD -MP -c -o $@ $<

$(O)/ncctl/stream.o: CPPFLAGS += $(NATS_CFLAGS)
$(O)/ncagentd/pcaplib.o: CPPFLAGS += -DPCAP_SONAME='"$(PCAP_SONAME)"'
$(O)/ncagentd/pcaplib.o: Makefile
$(if $(PCAP_SONAME),,$(error libpcap.so not found: install libpcap-dev))

$(O)/proto/%.pb-c.c $(O)/proto/%.pb-c.h: proto/%.proto
	@mkdir -p $(O)/proto
	$(PROTOC_C) --proto_path=proto --c_out=$(O)/proto $<

$(O)/proto/%.o: $(O)/proto/%.c $(GEN_H)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-cast-qual -Wno-missing-prototypes -c -o $@ $<

$(O)/proto/rectypes.c: $(RECORD_H) common/gen_rectypes.sh
	sh common/gen_rectypes.sh $(RECORD_H) > $@

# a packer of each record type, written from its descriptor (pbgen.h)
$(O)/proto/gen_pack: common/gen_pack.c $(PROTO_OBJS) $(GEN_H)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ common/gen_pack.c \
	    $(PROTO_OBJS) $(LDLIBS)
$(O)/proto/rectypes_pack.c: $(O)/proto/gen_pack
	$(O)/proto/gen_pack $(RECORD_H) > $@.tmp && mv $@.tmp $@
$(O)/proto/rectypes_pack.o: common/pbgen.h

$(O)/%/parse.c: %/parse.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

$(O)/%/parse.o: $(O)/%/parse.c $(GEN_H)
	$(CC) $(CPPFLAGS) $(CFLAGS) -I$* -Wno-sign-compare -Wno-missing-prototypes \
	    -Wno-missing-declarations -MMD -MP -c -o $@ $<

# the suite: once as built, then under the sanitizers; the sanitizer
# build runs beside the first pass, its output in obj-san/build.log
test: all
	@mkdir -p obj-san; \
	echo "$(MAKE) san >obj-san/build.log, beside the first pass"; \
	$(MAKE) san >obj-san/build.log 2>&1 & san=$$!; \
	sh regress/run.sh $(CURDIR) ncagentd nccollectd ncctl $(O)/regress; \
	plain=$$?; \
	if ! wait $$san; then \
		tail -30 obj-san/build.log; \
		echo "make san failed: obj-san/build.log"; \
		exit 1; \
	fi; \
	exit $$plain
	NCAP_SANITIZER=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    sh regress/run.sh $(CURDIR) obj-san/bin obj-san/bin obj-san/bin \
	    obj-san/regress

san:
	$(MAKE) O=obj-san BIN=obj-san/bin OPT="-O1 -g" \
	    SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=undefined"

bench: all
	sh regress/bench.sh $(CURDIR)

bench-live: all
	sh regress/bench-live.sh $(CURDIR)

bench-collector: all
	sh regress/bench-collector.sh $(CURDIR)

# libFuzzer (clang): the decoder and the collector's unpacking, each for
# FUZZ_SECONDS, seeded with every frame of the captures and with the
# batches ncagentd would send for ours.  What crashes lands in
# regress/fuzz/crashes/, which t_fuzzcases replays.
FUZZ_SECONDS ?=	60
FUZZ_MAXLEN ?=	8192
FUZZ_CORPUS ?=	../shared/corpus/tcpdump-tests
FUZZ_O =	obj-fuzz
# (clang, unlike gcc, warns of the casts in protobuf-c's *__INIT macros)
FUZZ_SAN =	-fsanitize=fuzzer-no-link,address,undefined \
		-fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-Wno-cast-qual
FUZZERS =	fuzz_decode fuzz_collector
FUZZ_OBJS =	$(COMMON_OBJS) $(UNIT_AGENT_OBJS) $(O)/nccollectd/unpack.o \
		$(O)/nccollectd/validate.o

$(O)/fuzz/fuzz_%: regress/fuzz/fuzz_%.c $(FUZZ_OBJS) $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DNCAP_LIBFUZZER -fsanitize=fuzzer $(LDFLAGS) -o $@ $< \
	    $(FUZZ_OBJS) $(LDLIBS)

$(O)/fuzz/mkseeds: regress/fuzz/mkseeds.c $(FUZZ_OBJS) $(GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

# t_fuzzcases links both harnesses, built without libFuzzer
T_FUZZ_OBJS =	$(O)/regress/fuzz/fuzz_decode.o $(O)/regress/fuzz/fuzz_collector.o \
		$(O)/nccollectd/unpack.o $(O)/nccollectd/validate.o
$(O)/regress/t_fuzzcases: $(T_FUZZ_OBJS)
$(O)/regress/t_fuzzcases: LDLIBS := $(T_FUZZ_OBJS) $(LDLIBS)

fuzz:
	$(MAKE) O=$(FUZZ_O) CC=clang OPT="-O1 -g" SANFLAGS="$(FUZZ_SAN)" \
	    $(FUZZERS:%=$(FUZZ_O)/fuzz/%) $(FUZZ_O)/fuzz/mkseeds
	rm -rf $(FUZZ_O)/seeds
	python3 regress/fuzz/seeds.py $(FUZZ_O)/seeds/fuzz_decode \
	    regress/captures $(FUZZ_CORPUS)
	$(FUZZ_O)/fuzz/mkseeds $(FUZZ_O)/seeds/fuzz_collector \
	    regress/captures/*.pcap
	mkdir -p regress/fuzz/crashes
	@rc=0; for f in $(FUZZERS); do \
		mkdir -p $(FUZZ_O)/corpus/$$f; \
		echo "== $$f for $(FUZZ_SECONDS)s"; \
		$(FUZZ_O)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) \
		    -max_len=$(FUZZ_MAXLEN) -timeout=10 -print_final_stats=1 \
		    -artifact_prefix=regress/fuzz/crashes/$$f- \
		    $(FUZZ_O)/corpus/$$f $(FUZZ_O)/seeds/$$f || rc=1; \
	done; exit $$rc

demo: all
	sh etc/demo.sh $(CURDIR)

# programs, manual pages, systemd units and rc scripts, and the example
# configurations, which also go to SYSCONFDIR unless a file is there
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(EXAMPLEDIR) \
	    $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/init.d
	install -m 755 $(AGENT) $(COLLECT) $(CTL) $(DESTDIR)$(SBINDIR)
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8
	install -m 644 etc/ncagentd.conf etc/nccollectd.conf \
	    $(DESTDIR)$(EXAMPLEDIR)
	install -m 644 etc/ncagentd.service etc/nccollectd.service \
	    $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 755 etc/rc/ncagentd etc/rc/nccollectd \
	    $(DESTDIR)$(SYSCONFDIR)/init.d
	for f in ncagentd.conf nccollectd.conf; do \
		[ -e $(DESTDIR)$(SYSCONFDIR)/$$f ] || \
		    install -m 644 etc/$$f $(DESTDIR)$(SYSCONFDIR)/$$f; \
	done

clean:
	rm -rf obj obj-san obj-fuzz ncagentd/ncagentd nccollectd/nccollectd ncctl/ncctl

.PHONY: all test san bench bench-live bench-collector fuzz demo install clean
# generated sources are kept, so that make does not run protoc-c and
# byacc again after each build; everything else is rebuilt when deleted
.SECONDARY: $(O)/proto/ncap.pb-c.c $(O)/proto/ncap.pb-c.h \
	    $(RECORD_NAMES:%=$(O)/proto/%.pb-c.c) $(RECORD_H) \
	    $(O)/ncagentd/parse.c $(O)/nccollectd/parse.c \
	    $(TEST_PROTOS:%=$(O)/regress/%.pb-c.c) \
	    $(TEST_PROTOS:%=$(O)/regress/%.pb-c.h)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
