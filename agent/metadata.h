/* The meta-data XML, derived from metadata/route53.xml at build time:
 * the OCF 1.0 text (ra-api-1.dtd, for callers that announce no version,
 * such as ocf-tester) and the OCF 1.1 text (reloadable, unique-group,
 * deprecated, reload-agent). */
#ifndef R53_METADATA_H
#define R53_METADATA_H

extern const char route53_metadata_xml_1_0[];
extern const char route53_metadata_xml_1_1[];

#endif
