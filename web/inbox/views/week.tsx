// The business hours of a chat channel: the week as a grid of half hours
// to paint (drag with the pointer; or arrows to move, Space to open or
// close a half hour, Shift with arrows to paint like a drag), each day's
// exact intervals for times off the grid, and the holidays.
import { useEffect, useRef } from "preact/hooks";
import type { Holiday, Interval } from "../../shared/wire";
import { addHoliday } from "../state/channel";
import type { Form } from "../state/form";
import type { ChannelEditor } from "../state/settings";
import { cell, clock, copyDay, type Cursor, dayNames, describe, setDay, slots, spans, step, type Weekday, weekdays } from "../state/week";
import { Field, FieldError, Group } from "./settings";

const hours = [0, 3, 6, 9, 12, 15, 18, 21];
const stateText = { open: "open", closed: "closed", partial: "partly open" };

export function WeekEditor({ ed }: { ed: ChannelEditor }) {
  const f = ed.form;
  const week = f.value.value.availability.week || {};
  const cur = ed.cursor.value;
  const grid = useRef<HTMLDivElement>(null);
  // The focus follows the cursor while it is in the grid (roving tabindex).
  useEffect(() => {
    const g = grid.current;
    if (g?.contains(document.activeElement)) g.querySelector<HTMLElement>(`[data-row="${cur.row}"][data-slot="${cur.slot}"]`)?.focus();
  }, [cur.row, cur.slot]);
  useEffect(() => {
    const up = () => ed.release();
    addEventListener("pointerup", up);
    addEventListener("pointercancel", up);
    return () => {
      removeEventListener("pointerup", up);
      removeEventListener("pointercancel", up);
    };
  }, [ed]);
  const at = (e: Event): Cursor | null => {
    const t = (e.target as HTMLElement).closest<HTMLElement>("[data-slot]");
    return t ? { row: Number(t.dataset.row), slot: Number(t.dataset.slot) } : null;
  };
  return (
    <Group form={f} path="availability.week" legend="Opening hours" class="week">
      <p class="hint" id="grid-help">Drag over the half hours to open or close them, or use the keyboard: arrows move, Space opens or closes, Shift with the arrows paints. Intervals that touch are one opening.</p>
      <div class="grid-tools">
        <button class="ghost small" type="button" onClick={() => ed.setWeek(copyDay(week, "mon", ["tue", "wed", "thu", "fri"]))}>Copy Monday to Tuesday–Friday</button>
        <button class="ghost small" type="button" onClick={() => ed.setWeek({})}>Clear the week</button>
      </div>
      <div
        ref={grid}
        class="grid"
        role="grid"
        aria-label="Opening hours by half hour"
        aria-describedby="grid-help"
        onPointerDown={(e) => {
          const c = at(e);
          if (!c || e.button !== 0) return;
          e.preventDefault();
          (e.target as HTMLElement).releasePointerCapture?.(e.pointerId); // touch: let the other cells hear the pointer
          (e.target as HTMLElement).focus();
          ed.press(c);
        }}
        onPointerOver={(e) => {
          const c = at(e);
          if (c) ed.over(c);
        }}
        onKeyDown={(e) => {
          if (ed.key(e.key, e.shiftKey)) e.preventDefault();
        }}
        onKeyUp={(e) => {
          if (e.key === "Shift") ed.release();
        }}
      >
        <div role="row" class="grid-row grid-head">
          <span role="columnheader" class="grid-day"><span class="sr">Day</span></span>
          {hours.map((h) => <span key={h} role="columnheader" aria-colspan={6} class="grid-hour">{clock(h * 60)}</span>)}
        </div>
        {weekdays.map((d, row) => {
          const s = spans(week[d]);
          return (
            <div key={d} role="row" class="grid-row">
              <span role="rowheader" class="grid-day">{dayNames[d].slice(0, 3)}</span>
              {Array.from({ length: slots }, (_, slot) => {
                const st = cell(s, slot);
                return (
                  <span
                    key={slot}
                    role="gridcell"
                    class={"cell " + st}
                    data-row={row}
                    data-slot={slot}
                    tabIndex={cur.row === row && cur.slot === slot ? 0 : -1}
                    aria-selected={st === "open"}
                    aria-label={`${dayNames[d]} ${clock(slot * step)}–${clock(slot * step + step)}, ${stateText[st]}`}
                  />
                );
              })}
            </div>
          );
        })}
      </div>
      <div class="days">
        {weekdays.map((d) => <Day key={d} ed={ed} d={d} />)}
      </div>
    </Group>
  );
}

/** Day is one weekday's exact intervals. */
function Day({ ed, d }: { ed: ChannelEditor; d: Weekday }) {
  const f = ed.form;
  const list = f.value.value.availability.week?.[d] || [];
  const path = "availability.week." + d;
  const set = (l: Interval[]) => ed.setWeek(setDay(ed.week, d, l));
  return (
    <Group form={f} path={path} legend={dayNames[d]} class="day">
      <Intervals form={f} path={path} list={list} name={dayNames[d]} onChange={set} />
      <span class="hint day-sum">{describe(list)}</span>
    </Group>
  );
}

/** Intervals edits a list of intervals as text ("HH:MM"), exactly as typed; the server checks them. */
function Intervals<T>({ form, path, list, name, onChange }: { form: Form<T>; path: string; list: Interval[]; name: string; onChange: (l: Interval[]) => void }) {
  const edit = (i: number, k: keyof Interval, v: string) => onChange(list.map((x, j) => (j === i ? { ...x, [k]: v } : x)));
  return (
    <div class="intervals">
      {list.map((iv, i) => {
        const p = `${path}[${i}]`;
        const id = form.input(p);
        return (
          <div class="interval" key={i} id={id}>
            {(["start", "end"] as const).map((k) => {
              const kid = form.input(p + "." + k);
              const err = form.error(p + "." + k);
              return (
                <span key={k} class="time">
                  <label class="sr" for={kid}>{`${name}, interval ${i + 1}, ${k === "start" ? "opens" : "closes"}`}</label>
                  <input id={kid} class="hhmm" inputMode="numeric" maxLength={5} placeholder={k === "start" ? "09:00" : "17:00"} value={iv[k]}
                    aria-invalid={err ? "true" : undefined} aria-describedby={[err ? kid + "-err" : "", form.error(p) ? id + "-err" : ""].filter(Boolean).join(" ") || undefined}
                    onInput={(e) => edit(i, k, e.currentTarget.value.trim())} />
                  {k === "start" ? "–" : null}
                  <FieldError id={kid} text={err} />
                </span>
              );
            })}
            <button class="ghost small" type="button" aria-label={`Remove ${name}, interval ${i + 1}`} onClick={() => onChange(list.filter((_, j) => j !== i))}>×</button>
            <FieldError id={id} text={form.error(p)} />
          </div>
        );
      })}
      <button class="ghost small" type="button" aria-label={`Add an interval to ${name}`} onClick={() => onChange([...list, { start: "09:00", end: "17:00" }])}>+ Interval</button>
    </div>
  );
}

export function Holidays({ ed }: { ed: ChannelEditor }) {
  const f = ed.form;
  const list = f.value.value.availability.holidays || [];
  const set = (l: Holiday[]) => f.edit((x) => ({ ...x, availability: { ...x.availability, holidays: l } }));
  const edit = (i: number, h: Holiday) => set(list.map((x, j) => (j === i ? h : x)));
  return (
    <Group form={f} path="availability.holidays" legend="Holidays and special days" hint="Closed all day (or all days up to the end date), or open during special hours instead of the week's." class="holidays">
      {list.map((h, i) => {
        const p = `availability.holidays[${i}]`;
        return (
          <div class="holiday" key={i} id={f.input(p)}>
            <div class="row">
              <Field form={f} path={p + ".date"} label="Date" class="narrow">
                {(a) => <input {...a} type="date" required value={h.date} onInput={(e) => edit(i, { ...h, date: e.currentTarget.value })} />}
              </Field>
              <Field form={f} path={p + ".endDate"} label="Until (optional)" class="narrow">
                {(a) => <input {...a} type="date" value={h.endDate || ""} min={h.date} onInput={(e) => edit(i, { ...h, endDate: e.currentTarget.value || undefined })} />}
              </Field>
              <Field form={f} path={p + ".name"} label="Name">
                {(a) => <input {...a} maxLength={100} value={h.name || ""} placeholder="Christmas" onInput={(e) => edit(i, { ...h, name: e.currentTarget.value || undefined })} />}
              </Field>
              <button class="ghost small remove" type="button" aria-label={`Remove holiday ${i + 1}`} onClick={() => set(list.filter((_, j) => j !== i))}>Remove</button>
            </div>
            <label class="check">
              <input type="checkbox" checked={!!h.hours?.length} onChange={(e) => edit(i, { ...h, hours: e.currentTarget.checked ? [{ start: "09:00", end: "12:00" }] : undefined })} />
              Open during special hours
            </label>
            {h.hours?.length ? <Intervals form={f} path={p + ".hours"} list={h.hours} name={h.name || h.date} onChange={(l) => edit(i, { ...h, hours: l.length ? l : undefined })} /> : null}
            <FieldError id={f.input(p)} text={f.error(p)} />
          </div>
        );
      })}
      <button class="ghost small" type="button" onClick={() => set(addHoliday(list, new Date().toISOString().slice(0, 10)))}>Add a holiday</button>
    </Group>
  );
}
