// Support's write of a subscription as one UpdateItem over the attributes support owns, so that the
// sender's failing run and circuit, changed meanwhile by conditional updates, stay as they are.
import { FAILING_RUN_ATTRIBUTES, PLAIN_SECRET_ATTRIBUTES } from './subscription-items';
import type { Item } from './item';

export interface SupportUpdate {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  values: Item;
}

/**
 * Sets each present attribute of `attributes` and removes each absent one (`undefined`), with the
 * plain secret attributes of an item written before sealing; with `endFailingRun`, the run too.
 */
export function supportUpdate(attributes: Item, endFailingRun: boolean): SupportUpdate {
  const names: Record<string, string> = {};
  const values: Item = {};
  const sets: string[] = [];
  const removals: string[] = [];
  const name = (attribute: string): string => {
    const placeholder = `#a${Object.keys(names).length}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  for (const [attribute, value] of Object.entries(attributes)) {
    if (value === undefined) {
      removals.push(name(attribute));
    } else {
      const placeholder = `:a${sets.length}`;
      values[placeholder] = value;
      sets.push(`${name(attribute)} = ${placeholder}`);
    }
  }
  const alsoRemoved = endFailingRun ? [...PLAIN_SECRET_ATTRIBUTES, ...FAILING_RUN_ATTRIBUTES] : PLAIN_SECRET_ATTRIBUTES;
  for (const attribute of alsoRemoved) removals.push(name(attribute));
  const expression = `SET ${sets.join(', ')}${removals.length > 0 ? ` REMOVE ${removals.join(', ')}` : ''}`;
  return { UpdateExpression: expression, ExpressionAttributeNames: names, values };
}
