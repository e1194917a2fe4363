import { loader, parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * Compiles a vega-lite spec and renders it to an SVG string in Node, with vega's headless
 * renderer (no canvas, no browser). The SVG needs no script to display, so a report that inlines
 * it works offline under a strict content-security policy.
 *
 * Reports embed their data: any attempt to load a URL or file fails the render (vega itself
 * would only log the failure and draw an empty chart).
 */
export async function renderVegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const refused: string[] = [];
  const offline = loader();
  offline.load = async (uri: string) => {
    refused.push(uri);
    throw new Error(`refusing to load ${uri}`);
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none', loader: offline, logLevel: 0 });
  try {
    const svg = await view.toSVG();
    if (refused.length > 0) throw new Error(`floodgate charts embed their data; refusing to load ${refused.join(', ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}
