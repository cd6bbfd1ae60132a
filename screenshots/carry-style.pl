#!/usr/bin/perl
# Reads tmux `capture-pane -e` output and rewrites its styles for freeze:
# tmux carries a style across lines while freeze starts every line unstyled,
# and freeze keeps painting a background after "default background" (49).
# So each line starts with the style in force, and every SGR sequence becomes
# a full reset followed by the whole style it leaves in force.
use strict;
use warnings;

my %st;    # fg, bg, and one key per other attribute
sub apply_sgr {
	my @p = split /;/, $_[0];
	@p = (0) unless @p;
	while (@p) {
		my $c = shift @p;
		if ($c eq '' || $c == 0) { %st = () }
		elsif ($c == 49) { delete $st{bg} }
		elsif ($c == 38 || $c == 48) {
			my $mode = shift @p // 5;
			my @v = $mode == 2 ? splice(@p, 0, 3) : (shift @p // 0);
			$st{ $c == 38 ? 'fg' : 'bg' } = join(';', $c, $mode, @v);
		}
		elsif ($c == 39) { delete $st{fg} }
		elsif (($c >= 30 && $c <= 37) || ($c >= 90 && $c <= 97)) { $st{fg} = $c }
		elsif (($c >= 40 && $c <= 47) || ($c >= 100 && $c <= 107)) { $st{bg} = $c }
		elsif ($c == 22) { delete $st{1}; delete $st{2} }
		elsif ($c == 23) { delete $st{3} }
		elsif ($c == 24) { delete $st{4} }
		elsif ($c == 27) { delete $st{7} }
		else { $st{$c} = $c }
	}
}

sub style { "\e[0m" . (%st ? "\e[" . join(';', map { $st{$_} } sort keys %st) . "m" : "") }

while (my $line = <STDIN>) {
	my $prefix = style();
	$line =~ s/\e\[([0-9;]*)m/apply_sgr($1); style()/ge;
	print $line =~ /^\s*$/ ? $line : $prefix . $line;
}
