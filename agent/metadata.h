/* The meta-data XML, compiled from metadata/route53.xml at build time. */
#ifndef R53_METADATA_H
#define R53_METADATA_H

extern const char route53_metadata_xml[];

#endif
