// Draws the report's charts with uPlot from the JSON the page embeds (#report-data).
// Clicking a legend entry hides or shows its series (uPlot's own legend).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                 "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
  var HEIGHT = 260;

  function utc(ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); }

  function shadeBands(bands) {
    return function (u) {
      if (!bands.length) { return; }
      var ctx = u.ctx;
      ctx.save();
      ctx.fillStyle = "rgba(245,166,35,0.18)";
      bands.forEach(function (band) {
        var left = u.valToPos(band[0], "x", true), right = u.valToPos(band[1], "x", true);
        left = Math.max(left, u.bbox.left);
        right = Math.min(right, u.bbox.left + u.bbox.width);
        if (right > left) { ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height); }
      });
      ctx.restore();
    };
  }

  // an action keeps its colour in every chart; other series take the colours after the actions'
  function colour(name, i) {
    var action = data.actions.indexOf(name);
    return COLOURS[(action >= 0 ? action : data.actions.length + i) % COLOURS.length];
  }

  function seriesOptions(names, unit) {
    return [{}].concat(names.map(function (name, i) {
      return {
        label: name, stroke: colour(name, i), width: 1.6, spanGaps: false,
        value: function (u, v) { return v === null || v === undefined ? "-" : v + " " + unit; }
      };
    }));
  }

  function plot(card, opts, columns) {
    var target = card.querySelector(".plot");
    opts.width = Math.max(300, target.clientWidth);
    opts.height = HEIGHT;
    var chart = new uPlot(opts, columns, target);
    new ResizeObserver(function () {
      chart.setSize({width: Math.max(300, target.clientWidth), height: HEIGHT});
    }).observe(target);
    return chart;
  }

  function timeline(card, chart) {
    var names = Object.keys(chart.series);
    if (!names.length) { card.querySelector(".plot").innerHTML = "<p class='empty'>no data</p>"; return; }
    var x = data.x;
    var opts = {
      series: seriesOptions(names, chart.unit),
      scales: {x: {time: x.time}},
      axes: [{label: x.label}, {label: chart.unit, size: 60}],
      hooks: {drawClear: [shadeBands(data.bands)]}
    };
    if (x.time) { opts.tzDate = utc; }
    plot(card, opts, [x.values].concat(names.map(function (n) { return chart.series[n]; })));
  }

  function percentLabel(v) {
    if (v >= data.distribution.x[data.distribution.x.length - 1] * 0.999) { return "max"; }
    var q = 100 * (1 - 1 / v);
    return (Math.round(q * 1000) / 1000) + "%";
  }

  // ticks at 1, 10, 100, ...: 0 %, 90 %, 99 %, 99.9 %, ... and the max
  function decades(u) {
    var ticks = [];
    for (var v = 1; v <= u.scales.x.max * 1.0001; v *= 10) { ticks.push(v); }
    return ticks;
  }

  function distribution(card) {
    var d = data.distribution;
    var names = Object.keys(d.series);
    var opts = {
      series: [{value: function (u, v) { return v === null ? "-" : percentLabel(v); }}]
        .concat(seriesOptions(names, "ms").slice(1)),
      scales: {x: {time: false, distr: 3, log: 10}},
      axes: [
        {label: "percentile (log scale of 1/(1-q))", splits: decades,
         values: function (u, ticks) { return ticks.map(percentLabel); }},
        {label: "ms", size: 60}
      ]
    };
    plot(card, opts, [d.x].concat(names.map(function (n) { return d.series[n]; })));
  }

  document.querySelectorAll(".card[data-chart]").forEach(function (card) {
    var id = card.getAttribute("data-chart");
    if (id === "distribution") { distribution(card); return; }
    data.charts.forEach(function (chart) { if (chart.id === id) { timeline(card, chart); } });
  });
})();
