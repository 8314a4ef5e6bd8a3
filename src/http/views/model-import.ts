import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import { html, type Html } from '../html.ts';
import { csrfField, type PageContext } from './layout.ts';

/** The Library's Import ONNX form: a model trained elsewhere, registered as `hydra models import` does. */
export function importForm(plot: PlotTypeRow, ctx: PageContext): Html {
  const i = plot.spec.input;
  return html`<details class="import-model"><summary>Import an ONNX model</summary>
<form method="post" action="/library/models/import" enctype="multipart/form-data" class="stacked">${csrfField(ctx)}
<input type="hidden" name="plot" value="${plot.name}">
<label>Labels of the logits, in order <input name="labels" required value="${plot.spec.labels.map((l) => l.name).join(', ')}"></label>
<label>Comment <input name="comment" maxlength="2000" placeholder="where it was trained, by whom"></label>
<label>ONNX file <input type="file" name="file" accept=".onnx" required></label>
<p class="muted">Input float32 [N, ${i.channels}, ${i.height}, ${i.width}] with raw 0…255 values; output <code>logits</code> [N, labels] (optional <code>cams</code>). It is checked in ONNX Runtime, then signed off and activated like a trained model.</p>
<button type="submit">Import</button>
</form></details>`;
}
