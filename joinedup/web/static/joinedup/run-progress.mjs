// A run's page while the worker makes the return: poll the run's status row, show its progress, and load the
// page again when the run is done (its validator counts and download are then on it).
const box = document.getElementById("run-live");
if (box) {
  const bar = document.getElementById("run-live-bar");
  const text = document.getElementById("run-live-text");
  const url = box.dataset.statusUrl;
  const poll = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const state = await response.json();
        bar.value = state.percent;
        bar.textContent = `${state.percent}%`;
        text.textContent = `${state.progress} (${state.percent}%)`;
        if (state.done) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // a network blip: try again
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
}
