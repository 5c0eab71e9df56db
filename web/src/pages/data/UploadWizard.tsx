import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { ApiError } from '../../api.ts';
import { LoadView, QualityBadges } from '../../components/DataParts.tsx';
import {
  getDataset,
  previewUpload,
  rejectsCsvUrl,
  runIngest,
  searchDatasets,
  uploadFile,
  type ColumnSpec,
  type Dataset,
  type IngestSummary,
  type LoadMode,
  type Preview,
  type RoleOverride,
  type Unpivot,
  type Upload,
  type UploadHandle,
} from '../../data/api.ts';
import { useCanLoadData, useFormat, useLoad } from '../../data/hooks.ts';
import { useI18n, type MessageKey } from '../../i18n.ts';
import { datasetPath, onLinkClick } from '../../router.ts';
import { foldVietnamese } from '../../text.ts';

const ACCEPT = ['.csv', '.tsv', '.txt', '.xlsx', '.json', '.ndjson', '.geojson'];
const STEPS = ['file', 'preview', 'mapping', 'result'] as const;
type Step = (typeof STEPS)[number];
const STEP_LABEL: Record<Step, MessageKey> = {
  file: 'up.step.file',
  preview: 'up.step.preview',
  mapping: 'up.step.mapping',
  result: 'up.step.result',
};
const MODES: LoadMode[] = ['replace', 'append', 'upsert'];
const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,80}$/;

type UploadState =
  | { status: 'idle' }
  | { status: 'uploading'; file: File; loaded: number; total: number }
  | { status: 'done'; file: File; upload: Upload }
  | { status: 'error'; message: string };

type Target = { kind: 'existing'; slug: string } | { kind: 'new'; slug: string; title: string };

type RunState = { status: 'idle' } | { status: 'running' } | { status: 'error'; message: string } | { status: 'done'; summary: IngestSummary };

/** Folded form used to match file headers with column titles, as the server does. */
const matchKey = (s: string) => foldVietnamese(s).replace(/[^a-z0-9]+/g, '');

/** "Dân số theo xã 2025.xlsx" → "dan-so-theo-xa-2025". */
function slugFromFilename(name: string): string {
  const base = foldVietnamese(name.replace(/\.[a-z0-9]+$/i, ''))
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return base.length >= 2 ? base : `du-lieu-${base || 'moi'}`;
}

/** The header a dataset column is fed from when the steward does not choose: title, name, then dictionary element. */
function autoMatch(column: ColumnSpec, preview: Preview): string | null {
  const byKey = new Map(preview.headers.map((h) => [matchKey(h), h]));
  const found = byKey.get(matchKey(column.title)) ?? byKey.get(matchKey(column.name));
  if (found !== undefined) return found;
  if (column.elementCode) return preview.columns.find((c) => c.element?.code === column.elementCode)?.header ?? null;
  return null;
}

function acceptable(file: File): boolean {
  const name = file.name.toLowerCase();
  return ACCEPT.some((ext) => name.endsWith(ext));
}

/**
 * Nạp dữ liệu: choose a file (drag and drop or button) → upload with a real progress bar → preview
 * (format, encoding, sheet) → map columns and choose the load mode → the result with quality scores
 * and the first rejected rows. `slug` fixes the target dataset (from a dataset page).
 */
export function UploadWizard({ slug }: { slug: string | null }) {
  const { t } = useI18n();
  const canLoad = useCanLoadData();
  if (!canLoad) {
    return (
      <div>
        <h1>{t('up.title')}</h1>
        <p role="alert">{t('data.needSteward')}</p>
      </div>
    );
  }
  return <Wizard key={slug ?? ''} fixedSlug={slug} />;
}

function Wizard({ fixedSlug }: { fixedSlug: string | null }) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const [step, setStep] = useState<Step>('file');
  const [upload, setUpload] = useState<UploadState>({ status: 'idle' });
  const [sheet, setSheet] = useState<string | null>(null);
  const [target, setTarget] = useState<Target>(fixedSlug ? { kind: 'existing', slug: fixedSlug } : { kind: 'new', slug: '', title: '' });
  const [overrides, setOverrides] = useState<Record<string, string>>({});
  /** The steward's row decisions; null: those the server remembers for the file's template. */
  const [rowOverrides, setRowOverrides] = useState<RoleOverride[] | null>(null);
  const [unpivot, setUnpivot] = useState<Unpivot | null>(null);
  /** File headers chosen as the key of a schema inferred from the file (a new dataset). */
  const [keys, setKeys] = useState<ReadonlySet<string>>(new Set());
  const [mode, setMode] = useState<LoadMode>('replace');
  const [validOnly, setValidOnly] = useState(false);
  const [run, setRun] = useState<RunState>({ status: 'idle' });
  const [formError, setFormError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const handleRef = useRef<UploadHandle | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const continueRef = useRef<HTMLButtonElement>(null);
  const firstStep = useRef(true);
  const inputId = useId();
  const hintId = useId();

  // Cancel a running upload when the page is left.
  useEffect(() => () => handleRef.current?.cancel(), []);

  // Each new step is announced by moving focus to its heading.
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    headingRef.current?.focus();
  }, [step]);

  const uploaded = upload.status === 'done' ? upload.upload : null;
  const preview = useLoad(uploaded ? `${uploaded.id}|${sheet ?? ''}|${JSON.stringify(rowOverrides)}|${JSON.stringify(unpivot)}` : '', (signal) =>
    uploaded ? previewUpload(uploaded.id, sheet, signal, { overrides: rowOverrides, unpivot }) : new Promise<Preview>(() => {}),
  );
  const existingSlug = target.kind === 'existing' ? target.slug : '';
  const dataset = useLoad(`ds|${existingSlug}`, (signal) => (existingSlug ? getDataset(existingSlug, signal) : Promise.resolve(null)));
  const choices = useLoad(fixedSlug ? 'fixed' : 'choices', (signal) =>
    fixedSlug ? Promise.resolve([]) : searchDatasets({ q: '', filters: {}, limit: 100, offset: 0 }, signal).then((r) => r.items),
  );

  function start(file: File) {
    setFormError(null);
    if (!acceptable(file)) {
      setUpload({ status: 'error', message: t('up.badType', { name: file.name }) });
      return;
    }
    handleRef.current?.cancel();
    setSheet(null);
    setOverrides({});
    setRowOverrides(null);
    setUnpivot(null);
    setKeys(new Set());
    setRun({ status: 'idle' });
    if (!fixedSlug) setTarget({ kind: 'new', slug: slugFromFilename(file.name), title: file.name.replace(/\.[a-z0-9]+$/i, '') });
    setUpload({ status: 'uploading', file, loaded: 0, total: file.size });
    const handle = uploadFile(file, (loaded, total) => setUpload((u) => (u.status === 'uploading' && u.file === file ? { ...u, loaded, total } : u)));
    handleRef.current = handle;
    handle.promise.then(
      (result) => {
        if (handleRef.current !== handle) return;
        handleRef.current = null;
        setUpload({ status: 'done', file, upload: result });
        requestAnimationFrame(() => continueRef.current?.focus());
      },
      (error: unknown) => {
        if (handleRef.current !== handle) return;
        handleRef.current = null;
        const cancelled = error instanceof ApiError && error.code === 'aborted';
        setUpload({ status: 'error', message: cancelled ? t('up.cancelled') : t('up.failed', { message: error instanceof Error ? error.message : String(error) }) });
      },
    );
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) start(file);
  }

  function chosenDataset(): Dataset | null {
    return target.kind === 'existing' && dataset.state.status === 'ready' ? dataset.state.value : null;
  }

  async function submit() {
    if (!uploaded || preview.state.status !== 'ready') return;
    setFormError(null);
    const p = preview.state.value;
    if (target.kind === 'new') {
      if (!SLUG_PATTERN.test(target.slug)) return setFormError(t('up.badSlug'));
      if (!target.title.trim()) return setFormError(t('up.needTitle'));
    } else if (!target.slug) {
      return setFormError(t('up.needDataset'));
    }
    setRun({ status: 'running' });
    try {
      if (target.kind === 'new') {
        const taken = await getDataset(target.slug).then(
          () => true,
          (error: unknown) => {
            if (error instanceof ApiError && error.code === 'NOT_FOUND') return false;
            throw error;
          },
        );
        if (taken) {
          setRun({ status: 'idle' });
          setFormError(t('up.slugTaken', { slug: target.slug }));
          return;
        }
      }
      const ds = chosenDataset();
      const mapping = ds && ds.columns.length > 0 ? Object.fromEntries(ds.columns.map((c) => [c.name, valueFor(c, p) || null])) : undefined;
      const summary = await runIngest({
        dataset: target.slug,
        uploadId: uploaded.id,
        mode,
        validRowsOnly: validOnly,
        ...(p.format === 'xlsx' && p.sheet ? { sheet: p.sheet } : {}),
        // Decisions sent are remembered for the template; none sent: the remembered ones apply.
        ...(rowOverrides ? { overrides: rowOverrides } : {}),
        ...(unpivot ? { unpivot } : {}),
        ...(mapping ? { mapping } : {}),
        // The dataset is created with the steward's title even when this first load is refused.
        ...(target.kind === 'new' ? { create: true, title: target.title.trim() } : {}),
        // Keys chosen for a schema the server infers from this file (a new dataset, or one without columns).
        ...((!ds || ds.columns.length === 0) && keys.size ? { keys: [...keys] } : {}),
      });
      setRun({ status: 'done', summary });
      setStep('result');
    } catch (error) {
      setRun({ status: 'error', message: t('up.runFailed', { message: error instanceof Error ? error.message : String(error) }) });
    }
  }

  function valueFor(column: ColumnSpec, p: Preview): string {
    return overrides[column.name] ?? autoMatch(column, p) ?? '';
  }

  function restart() {
    setUpload({ status: 'idle' });
    setRun({ status: 'idle' });
    setOverrides({});
    setRowOverrides(null);
    setUnpivot(null);
    setKeys(new Set());
    setSheet(null);
    setFormError(null);
    setStep('file');
  }

  const stepIndex = STEPS.indexOf(step);
  const readyPreview = preview.state.status === 'ready' ? preview.state.value : null;

  return (
    <div className="wizard">
      <h1>{t('up.title')}</h1>
      <p className="muted">{t('up.intro')}</p>
      {fixedSlug && (
        <p className="wizard-target">
          {t('up.target')}:{' '}
          <a href={datasetPath(fixedSlug)} onClick={onLinkClick}>
            {dataset.state.status === 'ready' && dataset.state.value ? dataset.state.value.title : fixedSlug}
          </a>
        </p>
      )}
      <ol className="steps" aria-label={t('up.steps')}>
        {STEPS.map((s, i) => (
          <li key={s} className={i < stepIndex ? 'step step--done' : i === stepIndex ? 'step step--current' : 'step'} aria-current={s === step ? 'step' : undefined}>
            <span className="step-number" aria-hidden="true">
              {i + 1}
            </span>
            <span className="step-label">{t(STEP_LABEL[s])}</span>
          </li>
        ))}
      </ol>

      <section className="wizard-panel" aria-labelledby="wizard-step">
        <h2 id="wizard-step" ref={headingRef} tabIndex={-1}>
          <span className="visually-hidden">{t('up.stepOf', { step: stepIndex + 1, total: STEPS.length })}: </span>
          {t(STEP_LABEL[step])}
        </h2>

        {step === 'file' && (
          <>
            <div
              className={`dropzone${dragging ? ' dropzone--active' : ''}`}
              onDragOver={(e) => {
                e.preventDefault();
                setDragging(true);
              }}
              onDragLeave={() => setDragging(false)}
              onDrop={onDrop}
              data-testid="dropzone"
            >
              <p className="dropzone-text">{t('up.drop')}</p>
              <p className="dropzone-or">{t('up.or')}</p>
              <button type="button" className="button" onClick={() => inputRef.current?.click()} aria-describedby={hintId} disabled={upload.status === 'uploading'}>
                {t('up.choose')}
              </button>
              <input
                ref={inputRef}
                id={inputId}
                className="visually-hidden"
                type="file"
                accept={ACCEPT.join(',')}
                tabIndex={-1}
                aria-hidden="true"
                data-testid="file-input"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (file) start(file);
                }}
              />
              <p id={hintId} className="hint">
                {t('up.accepted')}
              </p>
            </div>
            <UploadProgress upload={upload} onCancel={() => handleRef.current?.cancel()} />
            <div className="wizard-actions">
              <button ref={continueRef} type="button" className="button" disabled={upload.status !== 'done'} onClick={() => setStep('preview')}>
                {t('up.next')}
              </button>
            </div>
          </>
        )}

        {step === 'preview' && (
          <>
            <LoadView state={preview.state} reload={preview.reload}>
              {(p) => (
                <PreviewView
                  preview={p}
                  sheet={sheet}
                  onSheet={(next) => {
                    // Another sheet has other headers: earlier mapping choices no longer apply.
                    setSheet(next);
                    setOverrides({});
                    setRowOverrides(null);
                    setUnpivot(null);
                    setKeys(new Set());
                  }}
                  onRole={(label, role) => {
                    const current = rowOverrides ?? p.template.overrides;
                    setRowOverrides([...current.filter((o) => o.label !== label), ...(role ? [{ label, role }] : [])]);
                  }}
                  onForget={() => setRowOverrides([])}
                  unpivot={unpivot}
                  onUnpivot={(next) => {
                    setUnpivot(next);
                    setOverrides({});
                    setKeys(new Set());
                  }}
                />
              )}
            </LoadView>
            <div className="wizard-actions">
              <button type="button" className="button button--ghost" onClick={() => setStep('file')}>
                {t('up.back')}
              </button>
              <button type="button" className="button" disabled={preview.state.status !== 'ready'} onClick={() => setStep('mapping')}>
                {t('up.next')}
              </button>
            </div>
          </>
        )}

        {step === 'mapping' && readyPreview && (
          <form
            className="mapping-form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            {!fixedSlug && (
              <TargetChooser
                target={target}
                onTarget={(next) => {
                  setTarget(next);
                  setOverrides({});
                  setKeys(new Set());
                }}
                choices={choices.state.status === 'ready' ? choices.state.value : []}
                filename={upload.status === 'done' ? upload.file.name : ''}
              />
            )}
            <MappingTable
              preview={readyPreview}
              dataset={chosenDataset()}
              datasetLoading={target.kind === 'existing' && !!target.slug && dataset.state.status === 'loading'}
              valueFor={(c) => valueFor(c, readyPreview)}
              onChange={(name, header) => setOverrides((o) => ({ ...o, [name]: header }))}
              keys={keys}
              onKey={(header, on) => setKeys((k) => (on ? new Set([...k, header]) : new Set([...k].filter((h) => h !== header))))}
            />

            <fieldset className="options">
              <legend>{t('up.options')}</legend>
              <fieldset className="radio-group">
                <legend>{t('up.mode')}</legend>
                {MODES.map((m) => (
                  <label key={m} className="radio">
                    <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
                    <span>
                      <strong>{t(`mode.${m}`)}</strong>
                      <span className="hint"> — {t(`mode.${m}Hint`)}</span>
                    </span>
                  </label>
                ))}
              </fieldset>
              <label className="checkbox">
                <input type="checkbox" checked={validOnly} onChange={(e) => setValidOnly(e.target.checked)} />
                <span>
                  <strong>{t('up.validOnly')}</strong>
                  <span className="hint"> — {t('up.validOnlyHint')}</span>
                </span>
              </label>
            </fieldset>

            {(formError || run.status === 'error') && (
              <p className="form-error" role="alert">
                {formError ?? (run.status === 'error' ? run.message : '')}
              </p>
            )}
            <p className="visually-hidden" role="status">
              {run.status === 'running' ? t('up.running') : ''}
            </p>
            <div className="wizard-actions">
              <button type="button" className="button button--ghost" onClick={() => setStep('preview')}>
                {t('up.back')}
              </button>
              <button type="submit" className="button" disabled={run.status === 'running'}>
                {run.status === 'running' ? t('up.running') : t('up.run')}
              </button>
            </div>
          </form>
        )}

        {step === 'result' && run.status === 'done' && <ResultView summary={run.summary} onAgain={restart} lang={lang} f={f} />}
      </section>
    </div>
  );
}

function UploadProgress({ upload, onCancel }: { upload: UploadState; onCancel: () => void }) {
  const { t } = useI18n();
  const f = useFormat();
  const labelId = useId();
  if (upload.status === 'idle') return null;
  if (upload.status === 'error') {
    return (
      <p className="form-error" role="alert" data-testid="upload-error">
        {upload.message}
      </p>
    );
  }
  const loaded = upload.status === 'done' ? upload.file.size : upload.loaded;
  const total = upload.status === 'done' ? upload.file.size : upload.total;
  const percent = total > 0 ? Math.min(100, Math.floor((loaded / total) * 100)) : upload.status === 'done' ? 100 : 0;
  // Screen readers hear every quarter, not every progress event.
  const announced = upload.status === 'done' ? 100 : Math.floor(percent / 25) * 25;
  return (
    <div className="upload-progress" data-testid="upload-progress" data-percent={percent}>
      <p id={labelId} className="upload-name">
        {upload.status === 'done' ? t('up.uploaded', { name: upload.file.name, size: f.bytes(upload.file.size) }) : t('up.uploading', { name: upload.file.name })}
      </p>
      <div className="progress-row">
        <progress max={100} value={percent} aria-labelledby={labelId} aria-valuetext={`${percent}%`} />
        <span className="progress-text" data-testid="upload-percent">
          {t('up.progress', { percent, loaded: f.bytes(loaded), total: f.bytes(total) })}
        </span>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {announced}%
      </p>
      {upload.status === 'uploading' && (
        <button type="button" className="button button--small button--ghost" onClick={onCancel}>
          {t('up.cancel')}
        </button>
      )}
    </div>
  );
}

function PreviewView({
  preview: p,
  sheet,
  onSheet,
  onRole,
  onForget,
  unpivot,
  onUnpivot,
}: {
  preview: Preview;
  sheet: string | null;
  onSheet: (sheet: string) => void;
  onRole: (label: string, role: RoleOverride['role'] | null) => void;
  onForget: () => void;
  unpivot: Unpivot | null;
  onUnpivot: (next: Unpivot | null) => void;
}) {
  const { t, lang } = useI18n();
  const f = useFormat();
  const sheetId = useId();
  const decided = new Map(p.template.overrides.map((o) => [o.label, o.role]));
  const typeKey = (type: string) => `type.${type}` as MessageKey;
  const roleKey = (role: string) => `up.role.${role}` as MessageKey;
  const say = (r: { vi: string; en: string }) => (lang === 'en' ? r.en : r.vi);
  const exceptions = p.columns.flatMap((c) => c.exceptions.map((x) => ({ column: c.header, ...x })));
  const checked = p.structure.totals.length;
  return (
    <>
      <dl className="meta-list meta-list--inline" data-testid="preview-meta">
        <div>
          <dt>{t('up.format')}</dt>
          <dd>{p.format.toUpperCase()}</dd>
        </div>
        <div>
          <dt>{t('up.encoding')}</dt>
          <dd>{p.encoding ? p.encoding.toUpperCase() : t('data.none')}</dd>
        </div>
        {p.headerLine !== null && (
          <div>
            <dt>{t('up.headerLine')}</dt>
            <dd>{p.headerLine}</dd>
          </div>
        )}
        <div>
          <dt>{t('up.columns')}</dt>
          <dd>{p.headers.length}</dd>
        </div>
        <div>
          <dt>{t('up.dataRows')}</dt>
          <dd data-testid="preview-data-rows">{f.int(p.dataRows)}</dd>
        </div>
      </dl>
      {p.sheets.length > 0 && (
        <div className="field field--inline">
          <label htmlFor={sheetId}>{t('up.sheet')}</label>
          <select id={sheetId} value={sheet ?? p.sheet ?? ''} onChange={(e) => onSheet(e.target.value)}>
            {p.sheets.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      )}
      {p.sheetTables.length > 1 && (
        <section aria-labelledby="sheets-title">
          <h3 id="sheets-title">{t('up.sheets')}</h3>
          <ul className="sheet-list" data-testid="sheet-list">
            {p.sheetTables.map((s) => (
              <li key={s.name}>
                <button type="button" className="button button--small button--ghost" onClick={() => onSheet(s.name)} aria-current={s.name === p.sheet ? 'true' : undefined} disabled={s.error !== null}>
                  {s.name}
                </button>{' '}
                <span className="muted">
                  {s.error ? say(s.error) : t('up.sheetRows', { rows: f.int(s.dataRows), line: s.headerLine ?? '?' })}
                  {s.name === p.sheet ? ` · ${t('up.sheetShown')}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <Callout title={t('up.warnings')} items={p.structure.warnings.map(say)} testId="structure-warnings" />
      {checked > 0 && p.structure.totals.every((c) => c.ok) && (
        <p className="muted" data-testid="totals-ok">
          {t('up.totalsOk', { count: checked })}
        </p>
      )}
      {p.template.remembered && (
        <p className="muted" data-testid="remembered">
          {t('up.remembered', { count: p.template.overrides.length })}{' '}
          <button type="button" className="button button--small button--ghost" onClick={onForget}>
            {t('up.forget')}
          </button>
        </p>
      )}
      <UnpivotChooser headers={p.wideHeaders} unpivot={unpivot} onUnpivot={onUnpivot} />
      <div className="table-wrap" tabIndex={0} role="region" aria-label={t('up.sample')}>
        <table className="table table--compact" data-testid="preview-table">
          <caption>{t('up.sample')}</caption>
          <thead>
            <tr>
              <th scope="col" className="num">
                {t('up.rj.line')}
              </th>
              {p.columns.map((c, i) => (
                <th key={i} scope="col">
                  {c.header}
                  {c.element && matchKey(c.element.name) !== matchKey(c.header) && <span className="th-sub">{c.element.name}</span>}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">{t('up.excludeRow')}</span>
              </th>
            </tr>
            <tr className="type-row" data-testid="preview-types">
              <th scope="row" className="num">
                {t('up.typeRow')}
              </th>
              {p.columns.map((c, i) => (
                <td key={i}>
                  {t(typeKey(c.type))}
                  {c.exceptions.length > 0 && <span className="th-sub bad"> · {t('up.exceptionCount', { count: c.exceptions.length })}</span>}
                </td>
              ))}
              <td />
            </tr>
          </thead>
          <tbody>
            {p.rows.map((row, r) => (
              <tr key={r}>
                <td className="num">{p.rowLines[r] ?? ''}</td>
                {p.headers.map((_, i) => (
                  <td key={i}>{row[i] ?? ''}</td>
                ))}
                <td>
                  {p.rowLabels[r] !== undefined && p.rowLabels[r] !== '' && (
                    <button type="button" className="button button--small button--ghost" onClick={() => onRole(p.rowLabels[r]!, decided.get(p.rowLabels[r]!) === 'data' ? null : 'excluded')}>
                      {decided.get(p.rowLabels[r]!) === 'data' ? t('up.undo') : t('up.excludeRow')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {exceptions.length > 0 && (
        <section aria-labelledby="exceptions-title" data-testid="type-exceptions">
          <h3 id="exceptions-title">{t('up.exceptions')}</h3>
          <ul>
            {exceptions.map((x, i) => (
              <li key={i}>{t('up.exceptionLine', { column: x.column, line: x.line, value: x.value })}</li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="left-out-title">
        <h3 id="left-out-title">{t('up.leftOut', { count: f.int(p.structure.leftOutCount) })}</h3>
        {p.structure.leftOut.length === 0 ? (
          <p className="muted">{t('up.leftOutNone')}</p>
        ) : (
          <>
            <p className="muted">{t('up.leftOutIntro')}</p>
            <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="left-out-title">
              <table className="table table--compact" data-testid="left-out-table">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('up.rj.line')}
                    </th>
                    <th scope="col">{t('up.role')}</th>
                    <th scope="col">{t('up.rj.reason')}</th>
                    <th scope="col">{t('up.content')}</th>
                    <th scope="col">
                      <span className="visually-hidden">{t('up.loadRow')}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {p.structure.leftOut.map((r) => (
                    <tr key={r.line} data-role={r.role} data-line={r.line}>
                      <td className="num">{r.line}</td>
                      <td>
                        <span className={`badge badge--role badge--${r.role}`}>{t(roleKey(r.role))}</span>
                      </td>
                      <td>{say(r.reason)}</td>
                      <td className="cell-clip">{r.values.filter((v) => v !== '').join(' | ')}</td>
                      <td>
                        {r.label !== '' && (
                          <button type="button" className="button button--small button--ghost" onClick={() => onRole(r.label, decided.get(r.label) === 'excluded' ? null : 'data')}>
                            {decided.get(r.label) === 'excluded' ? t('up.undo') : t('up.loadRow')}
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </>
  );
}

/** Things the steward must see before going on (warnings of a preview, đúng problems of a run); nothing when there are none. */
function Callout({ title, items, testId }: { title: string; items: string[]; testId: string }) {
  if (items.length === 0) return null;
  return (
    <div className="callout" role="alert" data-testid={testId}>
      <p>
        <strong>{title}</strong>
      </p>
      <ul>
        {items.map((item, i) => (
          <li key={i}>{item}</li>
        ))}
      </ul>
    </div>
  );
}

/** The header of a column that reads as a period ("Năm 2021", "Tháng 3", "Quý II"), the unpivot's default range. */
const PERIOD = /^(nam|thang|quy|t)\s*[0-9ivx]/;

function UnpivotChooser({ headers, unpivot, onUnpivot }: { headers: string[]; unpivot: Unpivot | null; onUnpivot: (next: Unpivot | null) => void }) {
  const { t } = useI18n();
  const fromId = useId();
  const toId = useId();
  const periodId = useId();
  const valueId = useId();
  const leaf = (h: string) => foldVietnamese(h.split(' - ').at(-1) ?? h);
  const periods = headers.filter((h) => PERIOD.test(leaf(h)));
  const start = (): Unpivot => ({ from: periods[0] ?? headers[1] ?? headers[0] ?? '', to: periods.at(-1) ?? headers.at(-1) ?? '', into: [periods.length ? 'nam' : 'loai', 'gia_tri'] });
  return (
    <fieldset className="options" data-testid="unpivot">
      <label className="checkbox">
        <input type="checkbox" checked={unpivot !== null} onChange={(e) => onUnpivot(e.target.checked ? start() : null)} />
        <span>
          <strong>{t('up.unpivot')}</strong>
          <span className="hint"> — {t('up.unpivotHint')}</span>
        </span>
      </label>
      {unpivot && (
        <div className="target-fields">
          <div className="field field--inline">
            <label htmlFor={fromId}>{t('up.unpivotFrom')}</label>
            <select id={fromId} value={unpivot.from} onChange={(e) => onUnpivot({ ...unpivot, from: e.target.value })}>
              {headers.map((h) => (
                <option key={h}>{h}</option>
              ))}
            </select>
            <label htmlFor={toId}>{t('up.unpivotTo')}</label>
            <select id={toId} value={unpivot.to} onChange={(e) => onUnpivot({ ...unpivot, to: e.target.value })}>
              {headers.map((h) => (
                <option key={h}>{h}</option>
              ))}
            </select>
          </div>
          <div className="field field--inline">
            <label htmlFor={periodId}>{t('up.unpivotPeriod')}</label>
            <input id={periodId} value={unpivot.into[0]} onChange={(e) => onUnpivot({ ...unpivot, into: [e.target.value, unpivot.into[1]] })} />
            <label htmlFor={valueId}>{t('up.unpivotValue')}</label>
            <input id={valueId} value={unpivot.into[1]} onChange={(e) => onUnpivot({ ...unpivot, into: [unpivot.into[0], e.target.value] })} />
          </div>
        </div>
      )}
    </fieldset>
  );
}

function TargetChooser({ target, onTarget, choices, filename }: { target: Target; onTarget: (t: Target) => void; choices: Dataset[]; filename: string }) {
  const { t, lang } = useI18n();
  const slugId = useId();
  const slugHint = useId();
  const titleId = useId();
  const selectId = useId();
  const [lastNew, setLastNew] = useState<{ slug: string; title: string }>(
    target.kind === 'new' ? target : { slug: slugFromFilename(filename), title: filename.replace(/\.[a-z0-9]+$/i, '') },
  );
  return (
    <fieldset className="target">
      <legend>{t('up.target')}</legend>
      <label className="radio">
        <input type="radio" name="target" checked={target.kind === 'new'} onChange={() => onTarget({ kind: 'new', ...lastNew })} />
        <span>{t('up.targetNew')}</span>
      </label>
      {target.kind === 'new' && (
        <div className="target-fields">
          <div className="field">
            <label htmlFor={titleId}>{t('up.newTitle')}</label>
            <input
              id={titleId}
              value={target.title}
              onChange={(e) => {
                const next = { slug: target.slug, title: e.target.value };
                setLastNew(next);
                onTarget({ kind: 'new', ...next });
              }}
            />
          </div>
          <div className="field">
            <label htmlFor={slugId}>{t('up.newSlug')}</label>
            <input
              id={slugId}
              value={target.slug}
              aria-describedby={slugHint}
              autoCapitalize="none"
              spellCheck={false}
              onChange={(e) => {
                const next = { slug: e.target.value.trim().toLowerCase(), title: target.title };
                setLastNew(next);
                onTarget({ kind: 'new', ...next });
              }}
            />
            <p id={slugHint} className="hint">
              {t('up.newSlugHint')}
            </p>
          </div>
        </div>
      )}
      <label className="radio">
        <input type="radio" name="target" checked={target.kind === 'existing'} onChange={() => onTarget({ kind: 'existing', slug: '' })} />
        <span>{t('up.targetExisting')}</span>
      </label>
      {target.kind === 'existing' && (
        <div className="target-fields">
          <div className="field">
            <label htmlFor={selectId}>{t('up.chooseDataset')}</label>
            <select id={selectId} value={target.slug} onChange={(e) => onTarget({ kind: 'existing', slug: e.target.value })}>
              <option value="">{t('up.chooseDatasetPrompt')}</option>
              {choices.map((d) => (
                <option key={d.slug} value={d.slug}>
                  {lang === 'en' && d.titleEn ? d.titleEn : d.title}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
    </fieldset>
  );
}

function MappingTable({
  preview,
  dataset,
  datasetLoading,
  valueFor,
  onChange,
  keys,
  onKey,
}: {
  preview: Preview;
  dataset: Dataset | null;
  datasetLoading: boolean;
  valueFor: (c: ColumnSpec) => string;
  onChange: (name: string, header: string) => void;
  keys: ReadonlySet<string>;
  onKey: (header: string, on: boolean) => void;
}) {
  const { t } = useI18n();
  const elementOf = new Map(preview.columns.map((c) => [c.header, c.element]));
  const elementNames = new Map(preview.columns.flatMap((c) => (c.element ? [[c.element.code, c.element.name] as const] : [])));
  const typeKey = (type: string) => `type.${type}` as MessageKey;

  if (datasetLoading) return <p className="muted">{t('data.loading')}</p>;

  // A new dataset (or one without a schema): the server infers the columns from the file.
  if (!dataset || dataset.columns.length === 0) {
    return (
      <section aria-labelledby="mapping-title">
        <h3 id="mapping-title">{t('up.mappingNew')}</h3>
        <p className="muted">{t('up.inferIntro')}</p>
        <p className="muted">{t('up.keyIntro')}</p>
        <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="mapping-title">
          <table className="table" data-testid="mapping-table">
            <thead>
              <tr>
                <th scope="col">{t('up.fileColumn')}</th>
                <th scope="col">{t('up.guessedType')}</th>
                <th scope="col">{t('up.element')}</th>
                <th scope="col">{t('up.keyColumn')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.columns.map((c, i) => (
                <tr key={i}>
                  <th scope="row">{c.header}</th>
                  <td>{t(typeKey(c.type))}</td>
                  <td>{c.element ? `${c.element.name} (${c.element.code})` : <span className="muted">{t('up.noElement')}</span>}</td>
                  <td>
                    <input type="checkbox" checked={keys.has(c.header)} onChange={(e) => onKey(c.header, e.target.checked)} aria-label={t('up.keyOf', { column: c.header })} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    );
  }

  return (
    <section aria-labelledby="mapping-title">
      <h3 id="mapping-title">{t('up.mappingExisting')}</h3>
      <p className="muted">{t('up.mappingIntro')}</p>
      <ul className="mapping-list" data-testid="mapping-table">
        {dataset.columns.map((c) => {
          const value = valueFor(c);
          const element = value ? elementOf.get(value) : null;
          const selectId = `map-${c.name}`;
          return (
            <li key={c.name} className="mapping-row">
              <label htmlFor={selectId} className="mapping-target">
                <span className="mapping-title">{c.title}</span>
                <code>{c.name}</code>
                <span className="mapping-type">{t(typeKey(c.type))}</span>
              </label>
              <span className="mapping-arrow" aria-hidden="true">
                ←
              </span>
              <div className="mapping-source">
                <select id={selectId} value={value} onChange={(e) => onChange(c.name, e.target.value)} aria-describedby={`${selectId}-el`}>
                  <option value="">{t('up.blank')}</option>
                  {preview.headers.map((h) => (
                    <option key={h} value={h}>
                      {h}
                    </option>
                  ))}
                </select>
                <span id={`${selectId}-el`} className="mapping-element">
                  {t('up.element')}:{' '}
                  {c.elementCode ? (
                    <>
                      {elementNames.get(c.elementCode) ?? ''} <code>{c.elementCode}</code>
                    </>
                  ) : element ? (
                    <>
                      {element.name} <code>{element.code}</code>
                    </>
                  ) : (
                    t('up.noElement')
                  )}
                </span>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function ResultView({
  summary: s,
  onAgain,
  lang,
  f,
}: {
  summary: IngestSummary;
  onAgain: () => void;
  lang: 'vi' | 'en';
  f: ReturnType<typeof useFormat>;
}) {
  const { t } = useI18n();
  const loaded = s.status === 'loaded';
  return (
    <div className="result" data-testid="ingest-result" data-status={s.status}>
      <div className={`result-banner result-banner--${loaded ? 'ok' : 'refused'}`} role="status" aria-live="polite">
        <p className="result-title" data-testid="ingest-status">
          {loaded ? t('up.loaded', { version: s.version ?? '?' }) : t('up.refused')}
        </p>
        {!loaded && <p>{t('up.refusedHint')}</p>}
      </div>
      <dl className="counts counts--result">
        <div className="count">
          <dt>{t('up.rowsRead')}</dt>
          <dd>{f.int(s.rowsRead)}</dd>
        </div>
        <div className="count">
          <dt>{t('up.rowsLoaded')}</dt>
          <dd>{f.int(s.rowsLoaded)}</dd>
        </div>
        <div className={`count${s.rowsRejected > 0 ? ' count--bad' : ''}`}>
          <dt>{t('up.rowsRejected')}</dt>
          <dd>{f.int(s.rowsRejected)}</dd>
        </div>
      </dl>
      <QualityBadges quality={s.quality} />
      {s.structure.leftOutCount > 0 && (
        <p className="muted" data-testid="result-left-out">
          {t('up.leftOut', { count: f.int(s.structure.leftOutCount) })}:{' '}
          {[...new Set(s.structure.leftOut.map((r) => t(`up.role.${r.role}` as MessageKey)))].join(', ')}
        </p>
      )}
      <Callout title={t('up.problems')} items={s.problems.map((x) => (lang === 'en' ? x.en : x.vi))} testId="result-problems" />
      {s.rejects.length > 0 && (
        <section aria-labelledby="rejects-title">
          <h3 id="rejects-title">{t('up.rejects')}</h3>
          <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="rejects-title">
            <table className="table table--compact" data-testid="rejects-table">
              <thead>
                <tr>
                  <th scope="col" className="num">
                    {t('up.rj.line')}
                  </th>
                  <th scope="col">{t('up.rj.column')}</th>
                  <th scope="col">{t('up.rj.value')}</th>
                  <th scope="col">{t('up.rj.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {s.rejects.map((r, i) => (
                  <tr key={i}>
                    <td className="num">{r.line}</td>
                    <td>{r.column ?? ''}</td>
                    <td>
                      <code>{r.value ?? ''}</code>
                    </td>
                    <td>{lang === 'en' ? r.en : r.vi}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <div className="wizard-actions">
        {s.rowsRejected > 0 && (
          <a className="button button--ghost" href={rejectsCsvUrl(s.runId)} download data-testid="rejects-download">
            {t('up.downloadRejects')}
          </a>
        )}
        <a className="button button--ghost" href={datasetPath(s.dataset)} onClick={onLinkClick} data-testid="open-dataset">
          {t('up.openDataset')}
        </a>
        <button type="button" className="button" onClick={onAgain}>
          {t('up.again')}
        </button>
      </div>
    </div>
  );
}
