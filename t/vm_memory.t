# Host memory per guest (docs/vms.md, "Host memory"): the guests' QEMU runs
# through build/fngate-qemu, without transparent huge pages (a guest page in
# use no longer makes its whole 2 MiB resident); by default the host's KSM
# never merges their RAM (mem_merge = 0: merged pages would be shared
# across accounts; docs/security.md), and with mem_merge = 1 it
# may; fngated says whether the host runs KSM (it never switches it
# itself).
use Test::Nginx::Socket;
use FngateTest;

repeat_each(1);
fngate_defaults();

# A key's value in the test fngated's configuration.
sub conf_value { FngateTest::fngated_key(shift) }

# The QEMU processes of the test fngated's guests (or those of PREFIX):
# { pid => name }.
sub guest_qemus {
    my $prefix = shift // conf_value('name_prefix');
    my %pids;
    opendir my $proc, '/proc' or die "/proc: $!";
    for my $pid (grep { /^\d+$/ } readdir $proc) {
        open my $in, '<', "/proc/$pid/cmdline" or next;
        local $/;
        my $cmd = <$in> // '';
        $pids{$pid} = $1 if $cmd =~ /\0guest=(\Q$prefix\E-\d+)[,\0]/;
    }
    closedir $proc;
    return \%pids;
}

# What /proc says of one QEMU: THP_enabled of its status, AnonHugePages of
# its smaps_rollup (kB), and whether the mapping of the guest's RAM (the one
# of at least vm_memory_mb) has VmFlags "mg" (MADV_MERGEABLE).
sub qemu_memory {
    my ($pid, $ram_kb) = @_;
    my %m = (thp => '?', huge => '?', mergeable => '?');
    if (open my $in, '<', "/proc/$pid/status") {
        while (<$in>) { $m{thp} = $1 if /^THP_enabled:\s*(\d+)/ }
    }
    if (open my $in, '<', "/proc/$pid/smaps_rollup") {
        while (<$in>) { $m{huge} = $1 if /^AnonHugePages:\s*(\d+)/ }
    }
    if (open my $in, '<', "/proc/$pid/smaps") {
        my $size = 0;
        while (<$in>) {
            $size = $1 if /^Size:\s*(\d+) kB/;
            if (/^VmFlags:(.*)/ && $size >= $ram_kb) {
                $m{mergeable} = ($1 =~ /\bmg\b/) ? 1 : 0;
            }
        }
    }
    return \%m;
}

# qemu_memory of each QEMU of PREFIX (guest_qemus): { pid => memory }. A
# QEMU whose guest RAM is not mapped yet (a guest in its start) or no
# longer (one being destroyed) is read again, for at most 30 s in all; one
# that has exited is no guest. What stays unknown stays '?'.
sub guests_memory {
    my ($prefix, $ram_kb) = @_;
    my %memory;
    my $until = time + 30;
    for my $pid (keys %{ guest_qemus($prefix) }) {
        my $m = qemu_memory($pid, $ram_kb);
        while ($m->{mergeable} eq '?' && -e "/proc/$pid" && time < $until) {
            select undef, undef, undef, 0.2;
            $m = qemu_memory($pid, $ram_kb);
        }
        $memory{$pid} = $m if $m->{mergeable} ne '?' || -e "/proc/$pid";
    }
    return \%memory;
}

# What fngated's "ksm:" line says: on, off or never (mem_merge 0).
sub ksm_said {
    my $line = shift;
    return $line =~ /the host runs KSM/ ? 'on'
         : $line =~ /does not run KSM/ ? 'off'
         : $line =~ /mem_merge 0/ ? 'never' : "unknown: $line";
}

plan tests => repeat_each() * count_tests();

run_tests();

__DATA__

=== TEST 1: the guests' QEMU runs without transparent huge pages, and KSM may not merge its guest RAM
--- timeout: 120
--- init
FngateTest::wait_fngated_log(qr/: warm \((clone|restore|boot) \d+ ms/, 90);
my $ram_kb = (main::conf_value('vm_memory_mb') || 640) * 1024;
my $qemus = main::guests_memory(undef, $ram_kb);
my (%thp, %huge, %merge);
for my $m (values %$qemus) {
    $thp{$m->{thp}}++;
    $huge{$m->{huge} eq '0' ? 'none' : 'some'}++;
    $merge{$m->{mergeable}}++;
}
FngateTest::save_output('memory-qemu.out', join("\n",
    "guests=" . (%$qemus ? 'yes' : 'none'),
    "emulator=" . (main::conf_value('emulator') =~ m{/fngate-qemu$} ? 'fngate-qemu' : main::conf_value('emulator')),
    "thp_enabled=" . join(',', sort keys %thp),
    "anon_huge_pages=" . join(',', sort keys %huge),
    "ram_mergeable=" . join(',', sort keys %merge)) . "\n");
--- request
GET /t/out/memory-qemu.out
--- response_body
guests=yes
emulator=fngate-qemu
thp_enabled=0
anon_huge_pages=none
ram_mergeable=0
--- no_error_log
[error]



=== TEST 2: fngated says that KSM never merges its guests' RAM
--- init
my $line = FngateTest::wait_fngated_log(qr/vmpool: ksm: /, 30);
FngateTest::save_output('memory-ksm.out', "logged=" . ($line ? 'yes' : 'no')
    . " says=" . main::ksm_said($line) . "\n");
--- request
GET /t/out/memory-ksm.out
--- response_body
logged=yes says=never
--- no_error_log
[error]



=== TEST 3: with mem_merge = 1 (`fngate up --ksm`'s trade-off) the guests' RAM is mergeable, and fngated says what the host does
--- timeout: 300
--- init
my $own = FngateTest::own_fngated(mem_merge => 1, warm => 1);
my $line = FngateTest::wait_log($own->{log}, qr/vmpool: ksm: /, 30);
FngateTest::wait_log($own->{log}, qr/: warm \((clone|restore|boot) \d+ ms/, 120);
my $run = '';
if (open my $in, '<', '/sys/kernel/mm/ksm/run') { chomp($run = <$in> // '') }
my $host = $run eq '1' ? 'on' : 'off';
my $said = main::ksm_said($line);
my $ram_kb = (main::conf_value('vm_memory_mb') || 640) * 1024;
my $qemus = main::guests_memory(main::conf_value('name_prefix') . 'p',
    $ram_kb);
my %merge;
$merge{$_->{mergeable}}++ for values %$qemus;
FngateTest::stop_own_fngated();
FngateTest::save_output('memory-merge.out', join("\n",
    "guests=" . (%$qemus ? 'yes' : 'none'),
    "ram_mergeable=" . join(',', sort keys %merge),
    "agrees=" . ($said eq $host ? 'yes' : "said $said, host $host")) . "\n");
--- request
GET /t/out/memory-merge.out
--- response_body
guests=yes
ram_mergeable=1
agrees=yes
--- no_error_log
[error]
