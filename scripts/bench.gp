# SPDX-License-Identifier: GPL-2.0
#
# The chart of make bench, drawn by scripts/bench-report:
#   gnuplot -e "iops='F'; failover='F'; false='F'; out='PNG';
#               heading='T'; false_title='T'" bench.gp
# iops: a header line, then a job's label and its IOPS for each setup;
# failover: a condition, then the median and the worst time in ms;
# false: a detector, then its elections and leader changes.
set terminal pngcairo size 1800,560 font "sans,10"
set output out
set multiplot layout 1,3 title heading font "sans,12"

set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left horizontal maxcols 2
set key autotitle columnheader
set bmargin 4

set title "fio on node 1: IOPS (log scale; for the 1M job, IOPS = MiB/s)"
# stats counts the records, before any y range can filter them out.
stats iops using 0 nooutput
set xrange [-0.6:STATS_records - 0.4]
set logscale y
set yrange [1:*]
set offsets 0, 0, graph 0.25, 0
set format y "%g"
set xtics scale 0 font "sans,8"
plot for [c=2:5] iops using c:xtic(1) title columnheader(c)

set title "failover: power cut of the leader to a write completed elsewhere"
unset logscale y
set autoscale y
set offsets 0, 0, graph 0.1, 0
set key noautotitle
set xtics font "sans,10"
stats failover using 0 nooutput
set xrange [-0.6:STATS_records - 0.4]
set yrange [0:*]
set key top left
set ylabel "ms"
set xtics font "sans,8"
plot failover using 2:xtic(1) title "median", '' using 3 title "worst"

set title "false failovers: ".false_title
unset ylabel
set xtics font "sans,10"
set autoscale y
stats false using 0 nooutput
set xrange [-0.6:STATS_records - 0.4]
set yrange [0:*]
set format y "%.0f"
plot false using 2:xtic(1) title "elections", '' using 3 title "leader changes"
unset multiplot
