// Charts of the KPI page (ECharts); the figures come from the json_script "kpi-charts".
(function () {
  const source = document.getElementById("kpi-charts");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const charts = [];
  const palette = {
    very_satisfied: "#2fb344", satisfied: "#74b816", neutral: "#f59f00",
    dissatisfied: "#f76707", very_dissatisfied: "#d63939",
  };

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const instance = echarts.init(element);
    instance.setOption(option);
    charts.push(instance);
  }

  const labels = data.labels;
  chart("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 40, top: 30, bottom: 30 },
    xAxis: { type: "category", data: data.trend.map((p) => p.date.slice(5)) },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    ],
    series: [
      { name: labels.closed, type: "bar", data: data.trend.map((p) => p.closed), itemStyle: { color: "#a8c5ee" } },
      { name: labels.reached, type: "bar", data: data.trend.map((p) => p.reached), itemStyle: { color: "#206bc4" } },
      {
        name: labels.rate, type: "line", yAxisIndex: 1, connectNulls: true,
        data: data.trend.map((p) => (p.rate === null ? null : Number(p.rate))),
        itemStyle: { color: "#2fb344" },
        markLine: { silent: true, symbol: "none", data: [{ yAxis: 80 }], lineStyle: { color: "#d63939", type: "dashed" } },
      },
    ],
  });
  chart("chart-satisfaction", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { bottom: 0, itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 11 } },
    series: [{
      type: "pie", radius: ["35%", "65%"], center: ["50%", "42%"],
      minShowLabelAngle: 12, labelLine: { show: false },
      label: { position: "inside", formatter: "{d}%", color: "#fff", fontSize: 11 },
      data: data.satisfaction.map((s) => ({ name: s.name, value: s.value, itemStyle: { color: palette[s.code] } })),
    }],
  });
  chart("chart-failures", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.failures.map((f) => f.name), axisLabel: { width: 96, overflow: "break", fontSize: 11, lineHeight: 13 } },
    series: [{ type: "bar", data: data.failures.map((f) => f.value), itemStyle: { color: "#d63939" } }],
  });
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
