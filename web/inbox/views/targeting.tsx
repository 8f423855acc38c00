// Which pages of the channel's sites get which chatflow, or no widget
// (docs/chatflows.md, "Targeting"): the rules in order, the first whose
// pattern matches a page deciding, and what the other pages get. Part of
// the Chatflows section, saved with the channel; the server's objections
// show beside the rule they name.
import type { Chatflow, PageShows } from "../../shared/wire";
import { inputId } from "../state/form";
import type { ChannelEditor } from "../state/settings";
import { addRule, choice, maxRules, moveRule, removeRule, setOtherPages, setRule, shows } from "../state/targeting";
import { Field, FieldError, focusSoon } from "./settings";

/** Options are what a page may get: each flow, live chat with the greeting, no widget (and a flow a rule names that is gone). */
function Options({ flows, value }: { flows: readonly Chatflow[]; value: PageShows }) {
  const gone = value.flow && !flows.some((f) => f.id === value.flow) ? value.flow : "";
  return (
    <>
      {flows.map((f) => <option key={f.id} value={"flow:" + f.id}>{(f.name.trim() || f.id) + (f.kind === "bot" ? " (bot)" : " (live chat)")}</option>)}
      {gone ? <option value={"flow:" + gone}>{gone} (no such flow)</option> : null}
      <option value="live">Live chat with the greeting</option>
      <option value="hide">No widget</option>
    </>
  );
}

export function Targeting({ ed }: { ed: ChannelEditor }) {
  const f = ed.form;
  const c = f.value.value;
  const rules = c.targeting.rules;
  const ruleId = (k: number) => inputId(f.prefix, `targeting.rules[${k}]`);
  return (
    <fieldset class="group targeting" id={f.input("targeting")}>
      <legend>Which pages get which flow</legend>
      <p class="hint">The rules are tried in order: the first whose pages match the page decides. Pages are a host and a path, * standing for any characters: <code>example.com/pricing*</code>, <code>/docs/*</code>, <code>*.example.com</code>. The query and the fragment (after ? or #) never count. The widget matches them in the visitor's browser: the page's address is not sent.</p>
      <FieldError id={f.input("targeting.rules")} text={f.error("targeting.rules")} />
      {rules.length ? (
        <ol class="rules">
          {rules.map((r, i) => (
            <li key={i} class="line rule" id={ruleId(i)} role="group" aria-label={`Rule ${i + 1}`}>
              <Field form={f} path={`targeting.rules[${i}].pages`} label={`Rule ${i + 1}: pages`}>
                {(a) => <input {...a} required maxLength={200} placeholder="example.com/pricing*" value={r.pages} onInput={(e) => setRule(f, i, (x) => ({ ...x, pages: e.currentTarget.value }))} />}
              </Field>
              <Field form={f} path={`targeting.rules[${i}].flow`} label="get">
                {(a) => (
                  <select {...a} value={choice(r)} onChange={(e) => setRule(f, i, (x) => ({ pages: x.pages, ...shows(e.currentTarget.value) }))}>
                    <Options flows={c.chatflows} value={r} />
                  </select>
                )}
              </Field>
              <button class="ghost small" type="button" id={ruleId(i) + "-up"} disabled={i === 0} aria-label={`Move rule ${i + 1} up`} onClick={() => {
                moveRule(f, i, i - 1);
                focusSoon(ruleId(i - 1) + "-up", ruleId(i - 1) + "-down");
              }}>↑</button>
              <button class="ghost small" type="button" id={ruleId(i) + "-down"} disabled={i === rules.length - 1} aria-label={`Move rule ${i + 1} down`} onClick={() => {
                moveRule(f, i, i + 1);
                focusSoon(ruleId(i + 1) + "-down", ruleId(i + 1) + "-up");
              }}>↓</button>
              <button class="ghost small" type="button" id={ruleId(i) + "-remove"} aria-label={`Remove rule ${i + 1}`} onClick={() => {
                removeRule(f, i);
                focusSoon(ruleId(Math.min(i, rules.length - 2)) + "-remove", f.prefix + "-add-rule");
              }}>Remove</button>
            </li>
          ))}
        </ol>
      ) : null}
      <div class="line">
        <button class="ghost small" type="button" id={f.prefix + "-add-rule"} disabled={rules.length >= maxRules} onClick={() => {
          addRule(f);
          focusSoon(inputId(f.prefix, `targeting.rules[${rules.length}].pages`));
        }}>Add a rule</button>
      </div>
      <Field form={f} path="targeting.otherPages.flow" label="Pages no rule matches get">
        {(a) => (
          <select {...a} value={choice(c.targeting.otherPages)} onChange={(e) => setOtherPages(f, shows(e.currentTarget.value))}>
            <Options flows={c.chatflows} value={c.targeting.otherPages} />
          </select>
        )}
      </Field>
    </fieldset>
  );
}
