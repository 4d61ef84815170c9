/* Dashboards (数据看板) and the big screen (大屏): draw the ECharts charts from the page's embedded JSON;
   the big screen then fetches fresh figures every data-refresh seconds, without reloading the page.
   Every chart has a table next to it holding the same figures (the accessible fallback). */
(function () {
  "use strict";
  var dataEl = document.getElementById("dashboard-data");
  var labelEl = document.getElementById("dashboard-labels");
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var L = labelEl ? JSON.parse(labelEl.textContent) : {};
  var screen = document.body.classList.contains("screen");
  var charts = {};

  function chart(name) {
    var el = document.querySelector('[data-chart="' + name + '"]');
    if (!el || !window.echarts) { return null; }
    if (!charts[name]) {
      charts[name] = window.echarts.init(el, screen ? "dark" : null);
    }
    return charts[name];
  }

  var base = screen ? { backgroundColor: "transparent", textStyle: { fontSize: 16 } } : {};
  function opts(extra) { return Object.assign({}, base, extra); }
  function shortDays(days) { return days.map(function (d) { return d.length > 5 ? d.slice(5) : d; }); }

  function seriesChart(name, series, days, type) {
    var c = chart(name);
    if (!c) { return; }
    c.setOption(opts({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: shortDays(days) },
      yAxis: { type: "value", minInterval: 1 },
      series: series.map(function (s) {
        return { name: s.name, type: type, stack: type === "bar" ? "total" : undefined, data: s.data,
                 smooth: type === "line", showSymbol: false };
      })
    }), true);
  }

  function barChart(name, rows, valueKey, horizontal, extraSeries) {
    var c = chart(name);
    if (!c) { return; }
    var names = rows.map(function (r) { return r.name; });
    var series = [{ name: L.count || "", type: "bar", data: rows.map(function (r) { return r[valueKey]; }),
                    label: { show: screen, position: horizontal ? "right" : "top" } }];
    if (extraSeries) { series = extraSeries(rows); }
    var cat = { type: "category", data: horizontal ? names.slice().reverse() : names,
                axisLabel: { interval: 0, rotate: horizontal ? 0 : 30, width: 120, overflow: "truncate" } };
    if (horizontal) { series.forEach(function (s) { s.data = s.data.slice().reverse(); }); }
    c.setOption(opts({
      tooltip: { trigger: "axis" },
      legend: series.length > 1 ? { top: 0 } : undefined,
      grid: { left: horizontal ? 130 : 40, right: 24, top: series.length > 1 ? 30 : 12, bottom: horizontal ? 20 : 60 },
      xAxis: horizontal ? { type: "value", minInterval: 1 } : cat,
      yAxis: horizontal ? cat : { type: "value", minInterval: 1 },
      series: series
    }), true);
  }

  function unitSeries(rows) {
    return [
      { name: L.overdue, type: "bar", data: rows.map(function (r) { return r.overdue; }), itemStyle: { color: "#d1242f" },
        label: { show: screen, position: "right" } },
      { name: L.open, type: "bar", data: rows.map(function (r) { return r.open; }), itemStyle: { color: "#4a90d9" } }
    ];
  }

  function drawMonth(d) {
    seriesChart("by_channel", d.by_channel, d.days, "bar");
    seriesChart("by_type", d.by_type, d.days, "line");
    barChart("categories", d.categories, "count", true);
    barChart("districts", d.districts, "count", false);
    barChart("units", d.units, "overdue", true, unitSeries);
    var c = chart("satisfaction");
    if (c) {
      c.setOption(opts({
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        legend: { top: 0 },
        grid: { left: 40, right: 16, top: 36, bottom: 28 },
        xAxis: { type: "category", data: d.satisfaction.map(function (m) { return m.month; }) },
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [
          { name: L.satisfaction, type: "line", data: d.satisfaction.map(function (m) { return m.satisfaction_rate; }), connectNulls: false },
          { name: L.resolve, type: "line", data: d.satisfaction.map(function (m) { return m.resolve_rate; }), connectNulls: false }
        ]
      }), true);
    }
  }

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) { return o === null || o === undefined ? o : o[k]; }, obj);
  }

  function fillTable(name, rows, cells) {
    var body = document.querySelector('[data-table="' + name + '"] tbody');
    if (!body) { return; }
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cells(r).forEach(function (v) {
        var td = document.createElement("td");
        td.textContent = v === null || v === undefined || v === "" ? "—" : String(v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function drawScreen(d) {
    document.querySelectorAll("[data-field]").forEach(function (el) {
      var v = get(d, el.getAttribute("data-field"));
      el.textContent = v === null || v === undefined ? "—" : String(v) + (el.getAttribute("data-suffix") || "");
    });
    var c = chart("trend");
    if (c) {
      c.setOption(opts({
        tooltip: { trigger: "axis" },
        grid: { left: 50, right: 20, top: 20, bottom: 30 },
        xAxis: { type: "category", data: d.days },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: d.volume_label, type: "line", data: d.trend, smooth: true, areaStyle: { opacity: 0.25 } }]
      }), true);
    }
    barChart("districts", d.districts, "count", true);
    barChart("units", d.units, "overdue", true, unitSeries);
    fillTable("districts", d.districts, function (r) { return [r.name, r.count]; });
    fillTable("units", d.units, function (r) { return [r.name, r.overdue, r.open]; });
    fillTable("trend", d.days.map(function (day, i) { return { day: day, n: d.trend[i] }; }),
              function (r) { return [r.day, r.n]; });
    fillTable("hotspots", d.hotspots, function (h) { return [h.rank, h.title, h.place, h.orders]; });
  }

  function refresh() {
    var source = document.body.getAttribute("data-source");
    var stale = document.querySelector("[data-stale]");
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (d) { data = d; drawScreen(d); if (stale) { stale.hidden = true; } })
      .catch(function () { if (stale) { stale.hidden = false; } });
  }

  if (screen) {
    drawScreen(data);
    var seconds = parseInt(document.body.getAttribute("data-refresh"), 10) || 30;
    window.setInterval(refresh, seconds * 1000);
  } else {
    drawMonth(data);
  }
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
