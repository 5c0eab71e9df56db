import { LoadView, ScoreBadge, DIMENSIONS, dimensionLabel, level } from '../../components/DataParts.tsx';
import { qualityByAgency } from '../../data/api.ts';
import { useFormat, useLoad, useReference } from '../../data/hooks.ts';
import { useI18n } from '../../i18n.ts';

/** Chất lượng theo cơ quan: each agency's mean scores on đúng, đủ, sạch, sống, best first. */
export function QualityPage() {
  const { t } = useI18n();
  const f = useFormat();
  const { orgName } = useReference();
  const { state, reload } = useLoad('agency-quality', (signal) => qualityByAgency(signal));
  return (
    <div>
      <h1>{t('data.quality')}</h1>
      <p className="muted">{t('aq.intro')}</p>
      <LoadView state={state} reload={reload}>
        {(rows) => {
          const sorted = rows.filter((r) => r.datasets > 0).sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || b.datasets - a.datasets);
          if (sorted.length === 0) return <p className="muted">{t('aq.empty')}</p>;
          return (
            <div className="table-wrap" tabIndex={0} role="region" aria-label={t('data.quality')}>
              <table className="table" data-testid="agency-quality">
                <thead>
                  <tr>
                    <th scope="col">{t('aq.agency')}</th>
                    <th scope="col" className="num">
                      {t('aq.datasets')}
                    </th>
                    <th scope="col" className="num">
                      {t('aq.scored')}
                    </th>
                    <th scope="col" className="num">
                      {t('aq.overdue')}
                    </th>
                    {DIMENSIONS.map((d) => (
                      <th key={d} scope="col" className="num">
                        {t(dimensionLabel(d))}
                      </th>
                    ))}
                    <th scope="col" className="num">
                      {t('q.score')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((r) => (
                    <tr key={r.orgId}>
                      <th scope="row">{orgName(r.orgId)}</th>
                      <td className="num">{f.int(r.datasets)}</td>
                      <td className="num">{f.int(r.scored)}</td>
                      <td className={`num${r.overdue > 0 ? ' cell--warn' : ''}`}>{f.int(r.overdue)}</td>
                      {DIMENSIONS.map((d) => {
                        const v = r[d];
                        return (
                          <td key={d} className={`num cell--${level(v)}`}>
                            {v === null ? t('data.none') : `${f.pct(v)}%`}
                          </td>
                        );
                      })}
                      <td className="num">{r.score === null ? t('data.none') : <ScoreBadge score={r.score} />}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </LoadView>
    </div>
  );
}
