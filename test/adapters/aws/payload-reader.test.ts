import { describe, expect, it } from 'vitest';
import { PayloadNode, unwrapped } from '../../../adapters/aws/payload-reader.js';
import { ParseError } from '../../../core/errors.js';

const node = (value: unknown) => new PayloadNode(value, 'requestParameters');

describe('PayloadNode', () => {
  it.each([
    ['an array', ['a', 'b'], ['a', 'b']],
    ['one item as an object, not a list', { item: 'a' }, ['a']],
    ['items as a list', { items: ['a', 'b'] }, ['a', 'b']],
    ['items as a list of items', { item: ['a', 'b'] }, ['a', 'b']],
    ['an empty set as ""', '', []],
    ['an empty set as {}', {}, []],
    ['an empty items list', { items: [] }, []],
    ['query-list members', [{ content: 'a', tag: 1 }, { content: 'b', tag: 2 }], ['a', 'b']],
    ['one query-list member', { content: 'a', tag: 1 }, ['a']],
    ['a lone string', 'a', ['a']],
  ])('lists %s', (_what, value, texts) => {
    expect(node(value).texts()).toStrictEqual(texts);
  });

  it('finds a key in any casing, and names the key as the payload spells it', () => {
    const vpc = node({ vPC: { vPCId: 'vpc-0123456789abcdef0' } }).get('vpc').get('VPCId');

    expect([vpc.text(), vpc.path]).toStrictEqual(['vpc-0123456789abcdef0', 'requestParameters.vPC.vPCId']);
  });

  it('reads an id written as a JSON number as its digits', () => {
    expect(node({ ownerId: 111122223333 }).get('ownerId').text()).toBe('111122223333');
  });

  it('names the path of a missing required value', () => {
    const read = () => node({}).get('routeTableId').requireText();

    expect(read).toThrow(new ParseError('requestParameters.routeTableId missing'));
  });

  it('unwraps a single <Name>Request wrapper, and leaves flat parameters alone', () => {
    const wrapped = unwrapped({ DeleteNatGatewayRequest: { NatGatewayId: 'nat-0f1e2d3c4b5a69788' } }, 'requestParameters');
    const flat = unwrapped({ routeTableId: 'rtb-0a1b2c3d4e5f60718' }, 'requestParameters');

    expect(wrapped.get('natGatewayId').path).toBe('requestParameters.DeleteNatGatewayRequest.NatGatewayId');
    expect(flat.get('routeTableId').text()).toBe('rtb-0a1b2c3d4e5f60718');
  });
});
