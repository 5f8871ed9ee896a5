// Charts of the improvement pages (ECharts): the weak-point ranking and the key-item trend.
(function () {
  if (!window.echarts) return;
  const charts = [];

  function data(id) {
    const source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function chart(id, option) {
    const element = document.getElementById(id);
    if (!element) return;
    const instance = echarts.init(element);
    instance.setOption(option);
    charts.push(instance);
  }

  const ranking = data("weak-point-chart");
  if (ranking && ranking.length) {
    const rows = ranking.slice().reverse();
    chart("chart-weak-points", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 10, right: 30, top: 30, bottom: 10, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map((r) => r.name) },
      series: [
        { name: document.getElementById("chart-weak-points").dataset.complaints, type: "bar", stack: "t", data: rows.map((r) => r.complaints), itemStyle: { color: "#d63939" } },
        { name: document.getElementById("chart-weak-points").dataset.callbacks, type: "bar", stack: "t", data: rows.map((r) => r.callbacks), itemStyle: { color: "#f59f00" } },
      ],
    });
  }

  const trend = data("key-item-chart");
  if (trend && trend.series.length) {
    chart("chart-key-items", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 40, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: trend.months },
      yAxis: { type: "value", scale: true },
      series: trend.series.map((s) => ({ name: s.name, type: "line", data: s.data, connectNulls: true })),
    });
  }

  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
})();
