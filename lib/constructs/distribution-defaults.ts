import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  type DistributionProps,
  HttpVersion,
  type PriceClass,
  SecurityPolicyProtocol,
} from 'aws-cdk-lib/aws-cloudfront';
import type { Construct } from 'constructs';

/** A custom domain for a distribution, with its ACM certificate (CloudFront takes us-east-1 only). */
export interface CustomDomain {
  readonly name: string;
  readonly certificateArn: string;
}

/**
 * What every distribution of the service shares: HTTP/2 and HTTP/3, IPv6, the price class, the
 * operator's AWS WAF web ACL (by ARN) when one is given, and a custom domain when one is given. Only a custom certificate has a security policy to choose (the
 * default one is fixed), and it gets TLS 1.2 at least.
 */
export const distributionDefaults = (
  scope: Construct,
  props: {
    readonly priceClass: PriceClass;
    readonly domain?: CustomDomain | undefined;
    readonly webAclArn?: string | undefined;
  },
): Pick<
  DistributionProps,
  | 'priceClass'
  | 'httpVersion'
  | 'enableIpv6'
  | 'minimumProtocolVersion'
  | 'domainNames'
  | 'certificate'
  | 'webAclId'
> => ({
  priceClass: props.priceClass,
  ...(props.webAclArn && { webAclId: props.webAclArn }),
  httpVersion: HttpVersion.HTTP2_AND_3,
  enableIpv6: true,
  ...(props.domain && {
    minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
    domainNames: [props.domain.name],
    certificate: Certificate.fromCertificateArn(scope, 'Certificate', props.domain.certificateArn),
  }),
});
