#!/usr/bin/perl
# Writes a small MaxMind-format country database (the GeoIP2-Country record layout)
# that names the countries of documentation prefixes, for tests only:
#   make_geoip.pl OUT.mmdb PREFIX=CC [PREFIX=CC ...]
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, @pairs) = @ARGV;
die "usage: $0 OUT.mmdb PREFIX=CC...\n" unless $out && @pairs;
my %types = (country => 'map', iso_code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'GeoIP2-Country',
    languages                => ['en'],
    description              => { en => 'darkscope test countries' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,
);
for my $pair (@pairs) {
    my ($prefix, $cc) = split /=/, $pair, 2;
    # An IPv6 tree holds IPv4 in ::/96, where libmaxminddb looks IPv4 addresses up.
    $prefix = "::$1/" . ($2 + 96) if $prefix =~ m{^(\d+\.\d+\.\d+\.\d+)/(\d+)$};
    $tree->insert_network($prefix, { country => { iso_code => $cc } });
}
open my $fh, '>:raw', $out or die "$out: $!\n";
$tree->write_tree($fh);
close $fh or die "$out: $!\n";
