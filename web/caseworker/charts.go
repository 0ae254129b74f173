package caseworker

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The statistics page's charts are bar charts drawn on the server as inline
// SVG: the UI's Content-Security-Policy allows no script, and a picture
// needs none. Each is role="img" with a title and a description that says
// what it shows, and the page's table holds every figure it draws (WCAG 2.1
// 1.1.1); the bars are told apart by a legend and a gap, with colours of at
// least 3:1 against the background (1.4.11), never by colour alone (1.4.1:
// the table has them in words). Colours and type come from the stylesheet,
// through classes: the CSP allows no style attributes.

// chart is one bar chart, in the coordinates of its viewBox.
type chart struct {
	ID          string // unique on the page: the title's and description's ids
	Title, Desc string
	Width       int
	Height      int
	Bars        []chartBar
	XLabels     []chartLabel
	YTicks      []chartLabel
	Legend      []chartLegend
	// Baseline is the x axis' y; PlotLeft and PlotRight bound the plot.
	Baseline, PlotLeft, PlotRight float64
}

type chartBar struct {
	X, Y, W, H float64
	Class      string
}

type chartLabel struct {
	X, Y float64
	Text string
}

type chartLegend struct {
	Class, Label string
}

// series is one kind of bar: its values (one per month), its class and its
// name in the legend.
type series struct {
	Class, Label string
	Values       []float64
}

// The charts' geometry, in viewBox units: the width the page shows them at
// about 1:1, with room on the left for the y axis' labels and below for the
// months.
const (
	chartWidth, chartHeight   = 720, 260
	chartLeft, chartRight     = 64, 712
	chartTop, chartBottom     = 12, 224
	chartMonthLabelsAtMost    = 12
	chartTicksAtMost          = 5
	chartBarGap, chartSlotGap = 2, 0.25 // between bars of a month; the share of a month's slot left empty
)

// axis is a chart's y axis: how its values are written, the smallest step
// between ticks worth a label (1 for counts: no half applications), and a
// fixed top (100 for percentages), or 0 to fit the highest bar.
type axis struct {
	Format  func(float64) string
	MinStep float64
	Top     float64
}

// barChart draws the series over the months: stacked, one bar a month
// whose parts are the series (counts that add up), or grouped, one bar per
// series side by side (figures that do not add up, like a median and a
// 90th percentile).
func barChart(id, title, desc string, months []string, stacked bool, ax axis, ss ...series) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartWidth, Height: chartHeight,
		Baseline: chartBottom, PlotLeft: chartLeft, PlotRight: chartRight}
	for _, s := range ss {
		c.Legend = append(c.Legend, chartLegend{s.Class, s.Label})
	}
	top := 0.0
	for i := range months {
		sum := 0.0
		for _, s := range ss {
			if stacked {
				sum += s.Values[i]
			} else {
				sum = math.Max(sum, s.Values[i])
			}
		}
		top = math.Max(top, sum)
	}
	if ax.Top > 0 {
		top = ax.Top
	}
	step := math.Max(niceStep(top), ax.MinStep)
	top = math.Max(step, math.Ceil(top/step)*step)
	y := func(v float64) float64 { return chartBottom - v/top*(chartBottom-chartTop) }
	for v := 0.0; v <= top+step/2; v += step {
		c.YTicks = append(c.YTicks, chartLabel{X: chartLeft - 6, Y: y(v), Text: ax.Format(v)})
	}
	slot := float64(chartRight-chartLeft) / float64(len(months))
	every := (len(months) + chartMonthLabelsAtMost - 1) / chartMonthLabelsAtMost
	for i, m := range months {
		x := chartLeft + float64(i)*slot + slot*chartSlotGap/2
		w := slot * (1 - chartSlotGap)
		if (len(months)-1-i)%every == 0 { // the last month is always labelled
			c.XLabels = append(c.XLabels, chartLabel{X: x + w/2, Y: chartBottom + 18, Text: shortMonth(m)})
		}
		if stacked {
			base := 0.0
			for _, s := range ss {
				if v := s.Values[i]; v > 0 {
					c.Bars = append(c.Bars, chartBar{X: x, Y: y(base + v), W: w, H: y(base) - y(base+v), Class: s.Class})
					base += v
				}
			}
			continue
		}
		bw := (w - chartBarGap*float64(len(ss)-1)) / float64(len(ss))
		for j, s := range ss {
			if v := s.Values[i]; v > 0 {
				c.Bars = append(c.Bars, chartBar{X: x + float64(j)*(bw+chartBarGap), Y: y(v), W: bw, H: chartBottom - y(v), Class: s.Class})
			}
		}
	}
	return c
}

// coord is a coordinate of a chart, to a tenth of a unit: finer than a
// pixel at the size the page shows it.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// niceStep is a step for the y axis of 1, 2 or 5 times a power of ten that
// divides 0…top into at most chartTicksAtMost steps.
func niceStep(top float64) float64 {
	if top <= 0 {
		return 1
	}
	for p := math.Pow(10, math.Floor(math.Log10(top/chartTicksAtMost))); ; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if top/(m*p) <= chartTicksAtMost {
				return m * p
			}
		}
	}
}

var shortMonths = []string{"jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"}

// shortMonth is "mar 26" for 2026-03.
func shortMonth(m string) string {
	var y, mo int
	if _, err := fmt.Sscanf(m, "%d-%d", &y, &mo); err != nil || mo < 1 || mo > 12 {
		return m
	}
	return fmt.Sprintf("%s %02d", shortMonths[mo-1], y%100)
}

// decimal is a number with one decimal, Norwegian style: "2,5"; a whole
// number has none.
func decimal(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.Replace(fmt.Sprintf("%.1f", v), ".", ",", 1)
}
