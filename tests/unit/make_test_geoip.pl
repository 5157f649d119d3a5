#!/usr/bin/perl
# The tests' one GeoIP database writer.
#   make_test_geoip.pl OUTDIR
# writes the small databases the unit and agent tests use into OUTDIR:
#   country-maxmind.mmdb  MaxMind layout   (country => {iso_code => ...})
#   country-flat.mmdb     ip-location-db / DB-IP lite layout (country_code => ...)
#   asn.mmdb              MaxMind ASN layout (autonomous_system_number => ...)
#   country-nested.mmdb   MaxMind layout, smaller networks inside larger ones
# Only documentation and benchmarking prefixes, mapped to made-up (user-assigned)
# country codes; 203.0.113.0/24 is left out on purpose (an unknown source).
#   make_test_geoip.pl --country OUT.mmdb PREFIX=CC [PREFIX=CC ...]
# writes one MaxMind-layout country database of the prefixes given
# (tests/prometheus/live_test.sh).
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $usage = "usage: $0 OUTDIR | $0 --country OUT.mmdb PREFIX=CC...\n";

my %countries = (
    '192.0.2.0/25'     => 'XA',
    '192.0.2.128/25'   => 'XB',
    '198.51.100.0/24'  => 'XC',
    '198.18.0.0/15'    => 'XD',
    '2001:db8::/32'    => 'XE',
);
my %asns = (
    '192.0.2.0/24'    => 64500,
    '198.18.0.0/15'   => 64501,
    '2001:db8::/32'   => 64502,
);

sub new_tree {
    my ($type, $types) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 24,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => "darkscope test database ($type)" },
        map_key_type_callback    => sub { $types->{ $_[0] } },
        remove_reserved_networks => 0,
        alias_ipv6_to_ipv4       => 1,
    );
}

sub finish {
    my ($tree, $path) = @_;
    open my $fh, '>:raw', "$path.tmp" or die "$path: $!\n";
    $tree->write_tree($fh);
    close $fh or die "$path: $!\n";
    rename "$path.tmp", $path or die "$path: $!\n";
}

my %country_types = (country => 'map', iso_code => 'utf8_string');

if (@ARGV && $ARGV[0] eq '--country') {
    my (undef, $out, @pairs) = @ARGV;
    die $usage unless $out && @pairs;
    my $tree = new_tree('darkscope-test-Country', \%country_types);
    for my $pair (@pairs) {
        my ($prefix, $cc) = split /=/, $pair, 2;
        $tree->insert_network($prefix, { country => { iso_code => $cc } });
    }
    finish($tree, $out);
    exit 0;
}

my $dir = shift or die $usage;
mkdir $dir unless -d $dir;

my $maxmind = new_tree('darkscope-test-Country', \%country_types);
$maxmind->insert_network($_, { country => { iso_code => $countries{$_} } }) for sort keys %countries;
finish($maxmind, "$dir/country-maxmind.mmdb");

my $flat = new_tree('darkscope-test-country-flat', { country_code => 'utf8_string' });
$flat->insert_network($_, { country_code => $countries{$_} }) for sort keys %countries;
finish($flat, "$dir/country-flat.mmdb");

my $asn = new_tree('darkscope-test-ASN',
                { autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string' });
$asn->insert_network($_, { autonomous_system_number => $asns{$_}, autonomous_system_organization => 'Example AS' })
    for sort keys %asns;
finish($asn, "$dir/asn.mmdb");

# Networks inside networks, for the country cache's blocks (tests/unit/geoip_test.cpp):
# inserted largest first, so that each smaller one cuts into the one around it.
my $nested = new_tree('darkscope-test-Country-nested', \%country_types);
$nested->insert_network($_->[0], { country => { iso_code => $_->[1] } }) for (
    ['198.18.0.0/15',       'XD'],
    ['198.18.5.16/28',      'XF'],
    ['2001:db8::/32',       'XE'],
    ['2001:db8:ab00::/40',  'XH'],
    ['2001:db8:0:1::/64',   'XG'],
    ['2001:db8:0:1::42/127', 'XI'],
);
finish($nested, "$dir/country-nested.mmdb");
