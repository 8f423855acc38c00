// Settings, a page of its own, loaded when an agent goes there.
export function Page({ section }: { section: string }) {
  return (
    <section class="page" aria-labelledby="page-title" data-section={section}>
      <h2 id="page-title">Settings</h2>
      <p class="sub">There is nothing to set here yet.</p>
    </section>
  );
}
