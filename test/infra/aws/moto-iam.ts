import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { MOTO_CREDENTIALS } from '../../support/moto.js';

/**
 * IAM reads against moto, for checking what a CloudFormation stack created: the project has no
 * IAM client, so these are IAM's Query API requests (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html),
 * signed with the SDK's own SigV4 signer (moto picks the service from the signature's scope).
 */
async function iamQuery(endpoint: string, params: Record<string, string>): Promise<string> {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ ...params, Version: '2010-05-08' }).toString();
  const request = new HttpRequest({
    method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: url.host },
    body,
  });
  const signer = new SignatureV4({ credentials: MOTO_CREDENTIALS, region: 'us-east-1', service: 'iam', sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(request);
  const response = await fetch(endpoint, { method: 'POST', headers: signed.headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`IAM ${params.Action}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return text;
}

function element(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];
}

function unescapeXml(text: string): string {
  return text.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
}

/**
 * IAM returns policy documents URL-encoded (RFC 3986). moto returns the inline policies of roles
 * CloudFormation made as Python's repr of the document (`{'Version': '2012-10-17', …}`); with no
 * quote inside a value, as in ours, swapping the quotes gives the JSON back.
 */
function policyDocument(xml: string, name: string): unknown {
  const raw = element(xml, name);
  if (raw === undefined) throw new Error(`IAM response without ${name}`);
  const text = unescapeXml(raw.trim());
  if (text.startsWith('%')) return JSON.parse(decodeURIComponent(text));
  if (text.startsWith("{'")) return JSON.parse(text.replaceAll("'", '"'));
  return JSON.parse(text);
}

export interface IamRole {
  arn: string;
  trustPolicy: unknown;
  maxSessionDuration: number;
}

export async function getRole(endpoint: string, name: string): Promise<IamRole> {
  const xml = await iamQuery(endpoint, { Action: 'GetRole', RoleName: name });
  return {
    arn: element(xml, 'Arn') ?? '',
    trustPolicy: policyDocument(xml, 'AssumeRolePolicyDocument'),
    maxSessionDuration: Number(element(xml, 'MaxSessionDuration')),
  };
}

export async function getRolePolicy(endpoint: string, role: string, policy: string): Promise<unknown> {
  return policyDocument(await iamQuery(endpoint, { Action: 'GetRolePolicy', RoleName: role, PolicyName: policy }), 'PolicyDocument');
}
