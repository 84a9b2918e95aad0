// The performance team's page: while the form's post is answered (it queues the run for the worker; with the
// tests' immediate task backend it makes it), poll the run's status row and show its progress. The run's id is
// chosen here and sent with the form, so it can be polled at once; the run's own page polls it after that.
const form = document.getElementById("produce-form");
const box = document.getElementById("run-progress");
if (form && box && window.crypto && crypto.randomUUID) {
  const bar = document.getElementById("run-progress-bar");
  const text = document.getElementById("run-progress-text");
  const template = form.dataset.statusUrl;
  let busy = false;
  form.addEventListener("submit", (event) => {
    if (busy) {
      event.preventDefault(); // one run at a time
      return;
    }
    busy = true;
    const id = crypto.randomUUID();
    form.querySelector("#id_run_id").value = id;
    const url = template.replace("00000000-0000-0000-0000-000000000000", id);
    box.hidden = false;
    form.querySelector("#produce").setAttribute("aria-disabled", "true");
    const poll = async () => {
      try {
        const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (response.ok) {
          const state = await response.json();
          bar.value = state.percent;
          bar.textContent = `${state.percent}%`;
          text.textContent = `${state.progress} (${state.percent}%)`;
          if (state.done) return; // the post's answer (the run's page) follows
        }
      } catch (error) {
        // the page is being replaced by the post's answer
      }
      window.setTimeout(poll, 1000);
    };
    window.setTimeout(poll, 500);
  });
}
