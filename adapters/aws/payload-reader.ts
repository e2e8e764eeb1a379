import { ParseError } from '../../core/errors.js';
import { quote } from '../../core/reasons.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (isPlainObject(value) && Object.keys(value).length === 0);
}

/**
 * A value inside a CloudTrail `requestParameters` / `responseElements`, with the path it was read
 * from. It is the one place that absorbs CloudTrail's XML-era artefacts
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
 * documents neither, the published samples show them):
 * keys in any casing (`vpcId`, `VpcId`, `vPCId`, `tTL`); lists as arrays, as `{ item: … }` (one
 * object, not a list), as `{ items: [] }`, and empty ones as `""` or `{}`; query-list members as
 * `{ content, tag }`; ids as JSON numbers.
 * Reading a required value that is absent throws `ParseError` naming the path; the record parser
 * turns it into a rejection.
 */
export class PayloadNode {
  constructor(readonly value: unknown, readonly path: string) {}

  /** The child `name`, matched exactly first, then case-insensitively. */
  get(name: string): PayloadNode {
    const value = this.value;
    const childPath = (key: string): string => (this.path === '' ? key : `${this.path}.${key}`);
    if (!isPlainObject(value)) return new PayloadNode(undefined, childPath(name));
    if (name in value) return new PayloadNode(value[name], childPath(name));
    const wanted = name.toLowerCase();
    const key = Object.keys(value).find((candidate) => candidate.toLowerCase() === wanted);
    return key === undefined ? new PayloadNode(undefined, childPath(name)) : new PayloadNode(value[key], childPath(key));
  }

  /** The first of several spellings that is present (`routeTableId` vs `transitGatewayRouteTableId`). */
  first(name: string, ...others: string[]): PayloadNode {
    const nodes = [name, ...others].map((candidate) => this.get(candidate));
    return nodes.find((node) => node.present()) ?? this.get(name);
  }

  present(): boolean {
    return !isEmpty(this.value);
  }

  /** A non-empty string; a number as its decimal text; `{ content }` as its content. */
  text(): string | undefined {
    const value = this.value;
    if (typeof value === 'string') return value.trim() === '' ? undefined : value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (isPlainObject(value) && 'content' in value) return new PayloadNode(value.content, this.path).text();
    return undefined;
  }

  requireText(): string {
    const text = this.text();
    if (text !== undefined) return text;
    if (isEmpty(this.value)) throw new ParseError(`${this.path} missing`);
    throw new ParseError(`${this.path}: expected string, got ${quote(this.value)}`);
  }

  bool(): boolean | undefined {
    const value = this.value;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return undefined;
  }

  number(): number | undefined {
    const value = this.value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value);
    return undefined;
  }

  /** The members of a list, however CloudTrail rendered it. */
  list(): PayloadNode[] {
    const value = this.value;
    if (isEmpty(value)) return [];
    if (Array.isArray(value)) return value.map((member, index) => new PayloadNode(member, `${this.path}[${index}]`));
    if (isPlainObject(value)) {
      if ('items' in value) return this.get('items').list();
      if ('item' in value) return this.get('item').list();
    }
    return [this];
  }

  /** The texts of a list's members, skipping members that have none. */
  texts(): string[] {
    return this.list().flatMap((member) => {
      const text = member.text();
      return text === undefined ? [] : [text];
    });
  }

  /**
   * The ids of a list parameter: `Name` as a query list (`[{ content, tag }]`, one `{ content }`, or
   * a string), else the older `NameSet: { items: [{ name: "…" }] }` form.
   */
  ids(name: string): string[] {
    const direct = this.get(name).texts();
    if (direct.length > 0) return direct;
    return this.get(`${name}Set`).list().flatMap((member) => member.text() ?? member.get(name).text() ?? []);
  }

  /** The value as a plain object of fields, for readers that take one (`routeTargetFromAws`). */
  fields(): Record<string, unknown> {
    return isPlainObject(this.value) ? this.value : {};
  }
}

/**
 * A payload with EC2's wrapper unwrapped: newer EC2 calls log `{ "CreateNatGatewayRequest": {…} }`
 * (even abbreviated, `DelTGwVpcAttachReq`) and `{ "CreateNatGatewayResponse": {…} }`.
 */
export function unwrapped(value: unknown, path: string): PayloadNode {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const only = keys[0];
    if (keys.length === 1 && only !== undefined && /(Req|Request|Response)$/.test(only) && isPlainObject(value[only])) {
      return new PayloadNode(value[only], `${path}.${only}`);
    }
  }
  return new PayloadNode(value, path);
}
