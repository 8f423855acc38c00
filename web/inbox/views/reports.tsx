// Reports, a page of its own, loaded when an agent goes there.
export function Page() {
  return (
    <section class="page" aria-labelledby="page-title">
      <h2 id="page-title">Reports</h2>
      <p class="sub">There are no reports yet.</p>
    </section>
  );
}
